// Before a broadcast leaves: who it reaches, per channel, and a plain word when it reaches no one.
import { api } from "../api.js";
import { h } from "../dom.js";
import { channelName, fmtNumber } from "../format.js";
import { extend, t } from "../i18n.js";

extend({
  en: {
    "bcc.title": "Send this broadcast?",
    "bcc.total": "It goes to {n} subscriber(s) in {audience}.",
    "bcc.reach": "{channel}: {n} with an address",
    "bcc.reachEstimated": "{channel}: about {n} with an address (estimated from the first {checked})",
    "bcc.unchecked": "{channel}: up to {n} (devices and connections are known when sending)",
    "bcc.nobody": "Nobody is in {audience}: nothing would be sent. Check the topic or the field's value.",
    "bcc.send": "Send to {n}",
    "bcc.counting": "Counting the audience…",
  },
  ru: {
    "bcc.title": "Отправить рассылку?",
    "bcc.total": "Её получат подписчики ({n}) из аудитории {audience}.",
    "bcc.reach": "{channel}: {n} с адресом",
    "bcc.reachEstimated": "{channel}: около {n} с адресом (оценка по первым {checked})",
    "bcc.unchecked": "{channel}: до {n} (устройства и подключения известны при отправке)",
    "bcc.nobody": "В аудитории {audience} никого нет: ничего не будет отправлено. Проверьте тему или значение поля.",
    "bcc.send": "Отправить ({n})",
    "bcc.counting": "Считаем аудиторию…",
  },
});

/** A channel's line: counted, extrapolated (a very large audience), or "up to" (no address to check). */
function reachKey(channel, counts) {
  if (!channel.checked) return "bcc.unchecked";
  return counts.estimated ? "bcc.reachEstimated" : "bcc.reach";
}

/**
 * Counts the audience (POST /v1/broadcasts/audience) and asks in a modal dialog. Resolves true when
 * the admin confirms; false on Cancel, Escape, or an audience of nobody (no Send button then).
 */
export async function confirmBroadcast(payload, audienceText) {
  const counts = await api("POST", "/v1/broadcasts/audience", { audience: payload.audience, ...(payload.channels?.length ? { channels: payload.channels } : {}) });
  const audience = audienceText(payload.audience);
  const nobody = counts.total === 0;
  return new Promise((resolve) => {
    const close = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const dialog = h(
      "dialog#bc-confirm",
      { "aria-labelledby": "bc-confirm-title", dataset: { total: counts.total }, oncancel: (e) => (e.preventDefault(), close(false)) },
      h("h2#bc-confirm-title", t("bcc.title")),
      nobody
        ? h("p.errors#bc-confirm-nobody", t("bcc.nobody", { audience }))
        : [
            h("p#bc-confirm-total", t("bcc.total", { n: fmtNumber(counts.total), audience })),
            h(
              "ul#bc-confirm-channels",
              counts.channels.map((c) => h("li", { dataset: { channel: c.channel, reachable: c.reachable } }, t(reachKey(c, counts), { channel: channelName(c.channel), n: fmtNumber(c.reachable), checked: fmtNumber(counts.sampled) }))),
            ),
          ],
      h(
        "div.row",
        { style: { justifyContent: "flex-end", marginTop: "12px" } },
        h("button#bc-confirm-cancel", { type: "button", onclick: () => close(false) }, t("common.cancel")),
        nobody ? null : h("button.primary#bc-confirm-send", { type: "button", onclick: () => close(true) }, t("bcc.send", { n: fmtNumber(counts.total) })),
      ),
    );
    document.body.append(dialog);
    dialog.showModal();
  });
}
