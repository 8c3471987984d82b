import { api } from "../api.js";
import { fmtNumber, fmtTime, h, mount } from "../dom.js";
import { channelName, rememberChannels } from "../format.js";
import { currentLang, t } from "../i18n.js";
import { drawDeadJobs, drawFailures } from "./failures.js";

const SERIES = [
  ["sent", "#3b5bdb"],
  ["delivered", "#2b8a3e"],
  ["failed", "#c92a2a"],
  ["seen", "#e67700"],
  ["clicked", "#9c36b5"],
];
const PERIODS = { "1h": [1, 30], "24h": [24, 48], "7d": [168, 84] };

/** True when the series has traffic and all of it falls in its last hour (the last two half-hour buckets). */
function onlyLastHour(series) {
  let any = false;
  for (const counts of Object.values(series.channels)) {
    for (const values of Object.values(counts)) {
      if (!Array.isArray(values)) continue;
      for (let i = 0; i < values.length; i++) {
        if (!values[i]) continue;
        if (series.times[i] < series.times.at(-1) + series.bucketMs - 60 * 60_000) return false;
        any = true;
      }
    }
  }
  return any;
}

/** Counters, per-channel charts (uPlot) and the latest failures with retry; refreshes every 10 s. */
export async function dashboardView() {
  const lang = currentLang();
  let period = "24h";
  // Until the admin picks a period: a fresh install's traffic is all in the last hour, which 24 h
  // would draw as one spike at the right edge; the first look then opens on the last hour.
  let picked = false;
  const counters = h("div.cards#counters");
  const charts = h("div.grid#charts");
  const failures = h("div#failures");
  const deadJobs = h("div#dead-jobs");
  const channelsBox = h("div#channel-config");
  const select = h(
    "select#period",
    { onchange: () => ((picked = true), (period = select.value), refresh()) },
    Object.keys(PERIODS).map((p) => h("option", { value: p }, t(`dash.${p}`))),
  );
  select.value = period;
  const plots = [];

  async function refresh() {
    const [hours, buckets] = PERIODS[period];
    const [stats, series, latest, dead] = await Promise.all([
      api("GET", "/v1/stats"),
      api("GET", `/v1/admin/stats/timeseries?hours=${hours}&buckets=${buckets}`),
      api("GET", "/v1/admin/deliveries?status=failed,dead&limit=20"),
      api("GET", "/v1/admin/dead-jobs?limit=20"),
    ]);
    if (!picked && period === "24h" && onlyLastHour(series)) {
      picked = true;
      period = select.value = "1h";
      return refresh();
    }
    picked = true;
    rememberChannels(stats.configured);
    const total = (s) => stats.totals[s] ?? 0;
    mount(
      counters,
      [
        ["dash.sent", total("sent") + total("delivered")],
        ["dash.delivered", total("delivered")],
        ["dash.failed", total("failed") + total("dead")],
        ["dash.pending", total("pending") + total("waiting")],
        ["dash.outbox", stats.outbox.due],
      ].map(([label, n]) => h("div.card", h("div.n", fmtNumber(n, lang)), h("div.l", t(label)))),
    );
    mount(
      channelsBox,
      h("h2", t("dash.channels")),
      h("div.row", stats.configured.map((c) => h(`span.badge.${c.configured ? "ok" : "warn"}`, { title: c.configured ? t("dash.configured") : t("dash.notConfigured", { missing: c.missing.join(", ") }) }, channelName(c.id)))),
    );
    drawCharts(series);
    drawFailures(failures, latest, lang, refresh);
    drawDeadJobs(deadJobs, dead, lang, refresh);
  }

  function drawCharts(series) {
    for (const p of plots.splice(0)) p.destroy();
    const names = Object.keys(series.channels).sort();
    if (names.length === 0) return mount(charts, h("div.panel", h("p.muted", t("dash.noData"))));
    mount(charts);
    // One more x at the end of the last bucket, repeating its value, so the current bucket has width.
    const xs = [...series.times, series.times.at(-1) + series.bucketMs].map((ms) => ms / 1000);
    for (const name of names) {
      const box = h("div.chart");
      charts.append(h("div.panel", { dataset: { channel: name } }, h("h2", channelName(name)), box));
      const width = Math.max(240, box.clientWidth);
      const data = [xs, ...SERIES.map(([s]) => [...series.channels[name][s], series.channels[name][s].at(-1)])];
      plots.push(
        // uPlot comes as its minified classic-script build (index.html), which defines this global.
        new globalThis.uPlot(
          {
            width,
            height: 200,
            // Counts per time bucket: steps, so a bucket reads as one level rather than a slope between buckets.
            series: [{ label: t("common.time") }, ...SERIES.map(([s, stroke]) => ({ label: t(`dash.${s}`), stroke, width: 2, points: { show: false }, paths: globalThis.uPlot.paths.stepped({ align: 1 }) }))],
            // Counts are whole numbers: whole-number ticks only.
            // Time ticks in the same Intl format as the tables' times; kept on the box (data-x-ticks) as drawn.
            axes: [{ space: 130, values: (_u, splits) => (box.dataset.xTicks = splits.map((s) => fmtTime(s * 1000)).join("|")).split("|") }, { size: 50, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6] }],
            scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
            legend: { live: false },
          },
          data,
          box,
        ),
      );
    }
  }

  await refresh();
  const timer = setInterval(() => refresh().catch(() => {}), 10_000);
  const el = h(
    "section#dashboard",
    h("div.row", { style: { justifyContent: "space-between" } }, h("h1", t("dash.title")), h("label.inline", t("dash.period"), select)),
    counters,
    charts,
    h("div.panel", failures, deadJobs),
    h("div.panel", channelsBox),
  );
  // Charts are first drawn before the page is attached (no width yet), and screens turn: follow the boxes' width.
  const resize = new ResizeObserver(() => {
    for (const p of plots) p.setSize({ width: Math.max(240, p.root.parentElement.clientWidth), height: 200 });
  });
  resize.observe(charts);
  return { el, cleanup: () => (clearInterval(timer), resize.disconnect(), plots.forEach((p) => p.destroy())) };
}
