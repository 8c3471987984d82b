/**
 * The suite every channel plugin passes. A channel's own test calls `channelConformance` with a
 * real peer for its provider; the suite checks the contract the engine relies on: configuration
 * as data (required fields, masked secrets), results instead of exceptions, retryable versus final
 * failures, Retry-After, timeouts, unreachable hosts, the SSRF guard, and the notification id.
 */
import { describe, expect, it } from "vitest";
import type { AnyChannel, ChannelMessage, EngineServices, SendContext, SendResult } from "../../src/core/channels/define.js";
import { createChannelRegistry } from "../../src/core/channels/registry.js";
import { createSendContext } from "../../src/core/channels/send-context.js";
import { channelDescriptor } from "../../src/core/channels/descriptor.js";

export interface ConformancePeer {
  /** Environment that configures the channel against this peer. */
  env: Record<string, string>;
  /** Makes the next request answer with this status (and Retry-After seconds, if given). */
  failNext(status: number, retryAfterSeconds?: number): void;
  /** Makes the next request hang longer than any timeout. */
  hangNext(): void;
  /** Notification ids the peer accepted, in order. */
  acceptedIds(): string[];
  /** Environment that points the channel at a closed port. */
  unreachableEnv: Record<string, string>;
  /** The failure code the channel reports for a `failNext(status)`; `http_<status>` by default (SMTP maps to its own replies). */
  codeFor?(status: number): string;
}

export interface ConformanceOptions {
  channel: AnyChannel;
  /** A valid, already-rendered content for this channel. */
  content: unknown;
  subscriber?: Partial<ChannelMessage<unknown>["subscriber"]>;
  /** The recipient's address as the engine passes it (`message.address`), for channels that declare one (`addressField`). */
  address?: string;
  peer: () => ConformancePeer;
  /**
   * False for provider APIs with no field that could carry Herald's notification id (Telegram's
   * sendMessage has none): the suite then checks that the peer accepted one more message.
   */
  carriesNotificationId?: boolean;
  /** False for protocols without Retry-After (SMTP): the 429 case does not apply and is not declared. */
  retryAfter?: boolean;
  /** Env key of a config field holding a short timeout, so the hang test is quick. */
  timeoutEnv: string;
  /** Engine services for channels that use them (push reads subscriptions); given the env the channel is built with. */
  services?: (env: Record<string, string>) => EngineServices;
}

let counter = 0;
function message(content: unknown, subscriber: ConformanceOptions["subscriber"], address?: string): ChannelMessage<unknown> {
  counter++;
  return {
    notificationId: `ntf_conformance_${counter}_${Date.now()}`,
    deliveryId: `dlv_conformance_${counter}`,
    eventId: `evt_conformance_${counter}`,
    subscriber: { id: "sub-1", name: "Conformance", email: "c@example.com", phone: "+15005550006", locale: "en", ...subscriber },
    content,
    data: { order: counter },
    ...(address !== undefined ? { address } : {}),
    critical: false,
    category: "conformance",
    unsubscribeUrl: "http://127.0.0.1:1/v1/unsubscribe/conformance",
  };
}

function context(allowPrivateNetwork = true): SendContext {
  return createSendContext({ allowPrivateNetwork });
}

export function channelConformance(options: ConformanceOptions) {
  const { channel } = options;
  const build = (env: Record<string, string>) => createChannelRegistry([channel], env, options.services?.(env)).get(channel.id)!;
  const send = async (env: Record<string, string>, allowPrivate = true): Promise<{ result: SendResult; id: string }> => {
    const m = message(options.content, options.subscriber, options.address);
    return { result: await build(env).instance!.send(m, context(allowPrivate)), id: m.notificationId };
  };

  const codeFor = (status: number) => options.peer().codeFor?.(status) ?? `http_${status}`;

  describe(`channel conformance: ${channel.id}`, () => {
    it("has a kebab-case id, a title and documented config fields", () => {
      expect(channel.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(channel.title.length).toBeGreaterThan(0);
      for (const field of Object.values(channel.config)) expect(field.description.length).toBeGreaterThan(0);
    });

    it("is registered as not configured while required config is missing", () => {
      const entry = build({});
      const required = Object.values(channel.config).filter((f) => f.required);
      if (required.length > 0) {
        expect(entry.instance).toBeUndefined();
        expect(entry.missing.length).toBe(required.length);
      }
    });

    it("masks secret config values when described", () => {
      const registry = createChannelRegistry([channel], options.peer().env);
      const shown = JSON.stringify(registry.describe());
      for (const [name, field] of Object.entries(channel.config)) {
        const value = field.env ? options.peer().env[field.env] : undefined;
        if (field.secret && value) expect(shown, name).not.toContain(value);
      }
    });

    it(options.carriesNotificationId === false ? "sends" : "sends and passes the notification id on", async () => {
      const before = options.peer().acceptedIds().length;
      const { result, id } = await send(options.peer().env);
      expect(result).toMatchObject({ ok: true });
      if (options.carriesNotificationId === false) expect(options.peer().acceptedIds().length).toBe(before + 1);
      else expect(options.peer().acceptedIds()).toContain(id);
    });

    it("reports a 5xx as a retryable failure, not an exception", async () => {
      options.peer().failNext(503);
      const { result } = await send(options.peer().env);
      expect(result).toMatchObject({ ok: false, retryable: true, code: codeFor(503) });
    });

    if (options.retryAfter !== false) {
      it("passes Retry-After on a 429", async () => {
        options.peer().failNext(429, 7);
        const { result } = await send(options.peer().env);
        expect(result).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7000 });
      });
    }

    it("reports a 4xx as a final failure with the reason", async () => {
      options.peer().failNext(400);
      const { result } = await send(options.peer().env);
      expect(result).toMatchObject({ ok: false, retryable: false, code: codeFor(400) });
      expect((result as { message: string }).message.length).toBeGreaterThan(0);
    });

    it("times out a hanging provider as a retryable failure", async () => {
      options.peer().hangNext();
      const { result } = await send({ ...options.peer().env, [options.timeoutEnv]: "200" });
      expect(result).toMatchObject({ ok: false, retryable: true, code: "timeout" });
    });

    it("reports an unreachable provider as a retryable network failure", async () => {
      const { result } = await send(options.peer().unreachableEnv);
      expect(result).toMatchObject({ ok: false, retryable: true, code: "network" });
    });

    it("refuses private addresses unless allowed", async () => {
      const { result } = await send(options.peer().env, false);
      expect(result).toMatchObject({ ok: false, retryable: false, code: "blocked_address" });
    });
  });
}

/**
 * What every registered channel's declaration must satisfy, whatever it delivers through; run for
 * each channel of the registry by tests/channels/every-channel.test.ts. The template API, the
 * OpenAPI document, the admin editor and ad-hoc broadcasts are all derived from these parts.
 */
export function declarationConformance(channel: AnyChannel) {
  describe(`channel declaration: ${channel.id}`, () => {
    it("has a kebab-case id, a title and documented config fields with environment variables", () => {
      expect(channel.id).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(channel.title.length).toBeGreaterThan(0);
      for (const [name, field] of Object.entries(channel.config)) {
        expect(field.description.length, name).toBeGreaterThan(0);
        expect(field.env, name).toMatch(/^[A-Z][A-Z0-9_]*$/);
      }
    });

    it("declares its content as an object schema whose fields the admin form can draw", () => {
      const descriptor = channelDescriptor(channel, false);
      expect(descriptor.fields.length).toBeGreaterThan(0);
      expect(descriptor.fields.some((f) => f.required)).toBe(true);
      // Unknown fields are refused, so a typo in a template is an error, not silently dropped.
      const sample = Object.fromEntries(descriptor.fields.filter((f) => f.required).map((f) => [f.name, f.kind === "json" || f.kind === "actions" ? [] : "x"]));
      expect(channel.content.safeParse({ ...sample, "not-a-field": "x" }).success).toBe(false);
    });

    it("names only real content fields in its admin hints", () => {
      const fields = new Set(channelDescriptor(channel, false).fields.map((f) => f.name));
      for (const name of Object.keys(channel.ui?.fields ?? {})) expect(fields, name).toContain(name);
      for (const name of Object.values(channel.ui?.preview?.parts ?? {})) expect(fields, name).toContain(name);
      if (channel.bodyField) expect(fields).toContain(channel.bodyField);
    });

    it("shapes ad-hoc broadcast content into valid content, when it takes any", () => {
      if (!channel.broadcast) return;
      const content = channel.broadcast.content({ title: "Sale <b>", body: "Hi {{subscriber.name}}", url: "https://shop.example/s", image: "https://shop.example/i.png", actions: [{ action: "go", title: "Go", url: "https://shop.example/go" }] });
      expect(channel.content.safeParse(content).success).toBe(true);
    });
  });
}
