/**
 * Counters and a latency histogram in Prometheus text format. Hand-written because the usual
 * client (prom-client) depends on Node modules and would not run on Workers.
 */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export interface Gauges {
  outboxDepth: number;
  outboxDue: number;
  outboxOldestDueAgeSeconds: number;
  /** Jobs whose attempts are spent (dead_jobs): an alert on it above 0 tells of a plugin that keeps failing. */
  outboxDeadJobs: number;
}

export interface Metrics {
  eventsAccepted(n: number): void;
  deliveryFinished(channel: string, status: string, latencySeconds: number): void;
  deliveryAttemptFailed(channel: string): void;
  /** Billable units a sent message cost (SMS segments), from the channel's `describe`. */
  deliveryUnits(channel: string, unit: string, n: number): void;
  /** Units counted since start: `{channel: {unit: n}}`. */
  units(): Record<string, Record<string, number>>;
  render(gauges: Gauges): string;
}

export function createMetrics(): Metrics {
  let accepted = 0;
  const deliveries = new Map<string, number>();
  const failedAttempts = new Map<string, number>();
  const units = new Map<string, number>();
  const histograms = new Map<string, { buckets: number[]; sum: number; count: number }>();
  const inc = (m: Map<string, number>, k: string, by = 1) => m.set(k, (m.get(k) ?? 0) + by);
  const label = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

  return {
    eventsAccepted(n) {
      accepted += n;
    },
    deliveryFinished(channel, status, latency) {
      inc(deliveries, `${channel}\u0000${status}`);
      let h = histograms.get(channel);
      if (!h) histograms.set(channel, (h = { buckets: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 }));
      LATENCY_BUCKETS.forEach((le, i) => {
        if (latency <= le) h.buckets[i]!++;
      });
      h.sum += latency;
      h.count++;
    },
    deliveryAttemptFailed(channel) {
      inc(failedAttempts, channel);
    },
    deliveryUnits(channel, unit, n) {
      inc(units, `${channel}\u0000${unit}`, n);
    },
    units() {
      const out: Record<string, Record<string, number>> = {};
      for (const [k, n] of units) {
        const [channel, unit] = k.split("\u0000") as [string, string];
        (out[channel] ??= {})[unit] = n;
      }
      return out;
    },
    render(g) {
      const lines = [
        "# HELP herald_events_accepted_total Events accepted (202) since start.",
        "# TYPE herald_events_accepted_total counter",
        `herald_events_accepted_total ${accepted}`,
        "# HELP herald_deliveries_total Deliveries finished since start, by channel and final status.",
        "# TYPE herald_deliveries_total counter",
        ...[...deliveries].map(([k, n]) => {
          const [channel, status] = k.split("\u0000");
          return `herald_deliveries_total{channel="${label(channel!)}",status="${label(status!)}"} ${n}`;
        }),
        "# HELP herald_delivery_attempt_failures_total Failed attempts that will be retried.",
        "# TYPE herald_delivery_attempt_failures_total counter",
        ...[...failedAttempts].map(([c, n]) => `herald_delivery_attempt_failures_total{channel="${label(c)}"} ${n}`),
        "# HELP herald_delivery_units_total Billable units of sent messages (SMS segments) since start.",
        "# TYPE herald_delivery_units_total counter",
        ...[...units].map(([k, n]) => {
          const [channel, unit] = k.split("\u0000");
          return `herald_delivery_units_total{channel="${label(channel!)}",unit="${label(unit!)}"} ${n}`;
        }),
        "# HELP herald_outbox_jobs Jobs in the outbox.",
        "# TYPE herald_outbox_jobs gauge",
        `herald_outbox_jobs ${g.outboxDepth}`,
        "# HELP herald_outbox_due_jobs Jobs due now.",
        "# TYPE herald_outbox_due_jobs gauge",
        `herald_outbox_due_jobs ${g.outboxDue}`,
        "# HELP herald_outbox_oldest_due_age_seconds Age of the oldest due job.",
        "# TYPE herald_outbox_oldest_due_age_seconds gauge",
        `herald_outbox_oldest_due_age_seconds ${g.outboxOldestDueAgeSeconds}`,
        "# HELP herald_outbox_dead_jobs Jobs whose attempts are spent, no longer retried.",
        "# TYPE herald_outbox_dead_jobs gauge",
        `herald_outbox_dead_jobs ${g.outboxDeadJobs}`,
        "# HELP herald_delivery_latency_seconds Time from event accepted to delivery finished.",
        "# TYPE herald_delivery_latency_seconds histogram",
      ];
      for (const [channel, h] of histograms) {
        const c = label(channel);
        LATENCY_BUCKETS.forEach((le, i) => lines.push(`herald_delivery_latency_seconds_bucket{channel="${c}",le="${le}"} ${h.buckets[i]}`));
        lines.push(`herald_delivery_latency_seconds_bucket{channel="${c}",le="+Inf"} ${h.count}`);
        lines.push(`herald_delivery_latency_seconds_sum{channel="${c}"} ${h.sum}`);
        lines.push(`herald_delivery_latency_seconds_count{channel="${c}"} ${h.count}`);
      }
      return lines.join("\n") + "\n";
    },
  };
}
