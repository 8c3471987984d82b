import type { SendContext, SendResult } from "./define.js";

/** When a provider counts as down: consecutive retryable failures, and how long it is skipped before one trial send. */
export interface BreakerPolicy {
  failures: number;
  coolDownMs: number;
}

/** One provider of a channel (SMTP, Resend, Twilio, a gateway), by name. */
export interface NamedProvider<Request> {
  name: string;
  send(request: Request, ctx: SendContext): Promise<SendResult>;
}

interface Breaker {
  failures: number;
  openUntil: number;
  /** Half-open: a trial send is in flight; others keep going to the next provider until it answers. */
  trying: boolean;
}

/**
 * Sends through a channel's providers in their declared order. A retryable failure (timeout,
 * network, 4xx throttling, 5xx) goes on to the next provider in the same attempt, instead of waiting
 * out the retry schedule; a final one (a refused address, bad content) is the answer, since another
 * provider would refuse it too. Each provider has a circuit breaker: `failures` retryable failures
 * in a row open it, and it is skipped for `coolDownMs`; then one send tries it (half-open) and its
 * answer closes or reopens it. The result names the provider that gave it. The state is per process
 * (per isolate on Workers): a breaker guards this process's sends, it is not shared.
 *
 * @example
 * const send = failover([{ name: "smtp", send: smtp.send }, { name: "resend", send: resend.send }], { failures: 3, coolDownMs: 30_000 });
 */
export function failover<Request>(providers: NamedProvider<Request>[], policy: BreakerPolicy) {
  const breakers = new Map<string, Breaker>(providers.map((p) => [p.name, { failures: 0, openUntil: 0, trying: false }]));

  async function sendWith(provider: NamedProvider<Request>, breaker: Breaker, request: Request, ctx: SendContext): Promise<SendResult> {
    let result: SendResult;
    try {
      result = await provider.send(request, ctx);
    } catch (error) {
      result = { ok: false, code: "plugin_error", message: error instanceof Error ? error.message : String(error), retryable: true };
    } finally {
      breaker.trying = false;
    }
    if (result.ok || !result.retryable) {
      // The provider answered: it is up, whatever it thought of this message.
      breaker.failures = 0;
      breaker.openUntil = 0;
    } else if (++breaker.failures >= policy.failures) {
      breaker.openUntil = ctx.clock.now() + policy.coolDownMs;
      ctx.logger.log("warn", "provider circuit open", { provider: provider.name, failures: breaker.failures, coolDownMs: policy.coolDownMs });
    }
    return { ...result, provider: provider.name };
  }

  return {
    async send(request: Request, ctx: SendContext): Promise<SendResult> {
      let last: SendResult | undefined;
      let reopensAt = Number.POSITIVE_INFINITY;
      for (const provider of providers) {
        const breaker = breakers.get(provider.name)!;
        if (breaker.failures >= policy.failures) {
          const now = ctx.clock.now();
          if (now < breaker.openUntil || breaker.trying) {
            reopensAt = Math.min(reopensAt, breaker.openUntil);
            continue;
          }
          breaker.trying = true;
        }
        const result = await sendWith(provider, breaker, request, ctx);
        if (result.ok || !result.retryable) return result;
        last = result;
      }
      if (last) return last;
      const waitMs = Math.max(1000, reopensAt - ctx.clock.now());
      return { ok: false, code: "providers_down", message: `every provider's circuit is open (${providers.map((p) => p.name).join(", ")})`, retryable: true, retryAfterMs: Number.isFinite(waitMs) ? waitMs : undefined };
    },
    /** For tests and the admin: each provider's consecutive failures and whether it is skipped now. */
    state(now: number): Record<string, { failures: number; open: boolean }> {
      return Object.fromEntries([...breakers].map(([name, b]) => [name, { failures: b.failures, open: b.failures >= policy.failures && now < b.openUntil }]));
    },
  };
}
