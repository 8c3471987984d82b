import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { defineChannel, type EngineServices } from "./define.js";
import { createChannelRegistry } from "./registry.js";

const engine: EngineServices = {
  links: { publicUrl: () => "https://herald.example", webhook: (id) => `https://herald.example/v1/channels/${id}/webhook` },
  realtime: { deliverNotification: async () => {} },
  push: {
    vapid: { publicKey: "pk", privateKey: "secret-vapid", subject: "mailto:ops@example.com" },
    subscriptions: async () => [],
    remove: async () => {},
    succeeded: async () => {},
    unreadCount: async () => 0,
    receiptToken: async () => "token",
  },
};

/** A channel that keeps what `create` was given. */
function probe(id: string, needs?: readonly ("realtime" | "push")[]) {
  const seen: { services?: Record<string, unknown> } = {};
  const channel = defineChannel({
    id,
    title: id,
    config: {},
    limits: {},
    content: z.strictObject({ text: z.string() }),
    ...(needs ? { needs } : {}),
    create(_config, services) {
      seen.services = services as unknown as Record<string, unknown>;
      return { send: async () => ({ ok: true }) };
    },
  });
  return { channel, seen };
}

describe("channel registry", () => {
  it("hands each channel links and only the engine services it declares in needs", () => {
    const plain = probe("plain");
    const inbox = probe("inbox", ["realtime"]);
    const both = probe("both", ["realtime", "push"]);
    createChannelRegistry([plain.channel, inbox.channel, both.channel], {}, engine);
    expect(Object.keys(plain.seen.services!)).toEqual(["links"]);
    expect(Object.keys(inbox.seen.services!).sort()).toEqual(["links", "realtime"]);
    expect(Object.keys(both.seen.services!).sort()).toEqual(["links", "push", "realtime"]);
    expect(both.seen.services!.push).toBe(engine.push);
  });

  it("types create's services by needs", () => {
    defineChannel({
      id: "typed",
      title: "Typed",
      config: {},
      limits: {},
      content: z.strictObject({ text: z.string() }),
      create(_config, services) {
        // @ts-expect-error push was not declared in needs
        void services.push;
        void services.links.publicUrl();
        return { send: async () => ({ ok: true }) };
      },
    });
  });

  it("names the secret configuration it holds, for the logger to mask", () => {
    const channel = defineChannel({
      id: "hooked",
      title: "Hooked",
      config: {
        url: { type: "url", secret: true, env: "HOOKED_URL", description: "hook" },
        key: { type: "string", secret: true, env: "HOOKED_KEY", description: "key" },
        name: { type: "string", env: "HOOKED_NAME", description: "shown" },
      },
      limits: {},
      content: z.strictObject({ text: z.string() }),
      create: () => ({ send: async () => ({ ok: true }) }),
    });
    const registry = createChannelRegistry([channel], { HOOKED_URL: "https://hooks.example/T0/secret-path", HOOKED_NAME: "Herald" });
    expect(registry.secrets()).toEqual({ names: ["url", "HOOKED_URL", "key", "HOOKED_KEY"], values: ["https://hooks.example/T0/secret-path"] });
    expect(registry.definitions()).toEqual([channel]);
  });
});
