/**
 * Adding a channel is one declaration and one registry line: a channel declared here, and nowhere
 * else in Herald, is accepted by the template API with its own content validation, appears in the
 * OpenAPI document and in the admin descriptor the template editor draws, can carry ad-hoc
 * broadcast content, and has its secret configuration masked in the logs.
 */
import { z } from "@hono/zod-openapi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { defineChannel } from "../../src/core/channels/define.js";
import { createHerald, type Herald } from "../../src/core/engine.js";
import type { LogFields } from "../../src/core/logger.js";
import { openLibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { inProcessApi } from "../support/in-process.js";
import { tempDatabaseUrl, TEST_API_KEY } from "../support/server.js";

const HOOK = "https://pager.example/hooks/T0123/very-secret-path";
const sent: unknown[] = [];

/** A small channel that exists only in this test. */
const pagerChannel = defineChannel({
  id: "pager",
  title: "Pager",
  config: {
    hookUrl: { type: "url", required: true, secret: true, env: "PAGER_HOOK_URL", description: "where pages go" },
    level: { type: "string", choices: ["low", "high"], default: "low", env: "PAGER_LEVEL", description: "page level" },
  },
  limits: {},
  content: z.strictObject({ headline: z.string().max(80), detail: z.string().max(4000).optional() }),
  ui: { preview: { layout: "message", parts: { body: "headline" } } },
  // A pager shows text: the preview then shows the headline as rendered.
  plainTextFields: ["headline"],
  broadcast: { content: (c) => ({ headline: c.title, detail: c.body }) },
  create: (config, services) => ({
    async send(message, ctx) {
      // What a careless channel might log: its own hook URL, inside text.
      ctx.logger.log("info", `paging via ${config.hookUrl}`, { hookUrl: config.hookUrl, PAGER_HOOK_URL: config.hookUrl, to: services.links.publicUrl() });
      sent.push(message.content);
      return { ok: true, providerMessageId: message.notificationId };
    },
  }),
});

let herald: Herald;
let close: () => Promise<void>;
const lines: { msg: string; fields: LogFields }[] = [];
const call = inProcessApi(() => herald);

beforeAll(async () => {
  const db = await openLibsqlStore(tempDatabaseUrl());
  close = () => db.close();
  herald = await createHerald({
    store: db.store,
    logger: { log: (_level, msg, fields = {}) => lines.push({ msg, fields }) },
    channels: [...builtInChannels, pagerChannel],
    env: { HERALD_API_KEY: TEST_API_KEY, HERALD_ADMIN_PASSWORD: "correct horse battery staple", PAGER_HOOK_URL: HOOK },
  });
});
afterAll(async () => {
  await close();
});

describe("a channel is one declaration and one registry line", () => {
  it("is accepted by the template API, and its content is validated by its own schema", async () => {
    const ok = await call("PUT", "/v1/templates/page", { channels: { pager: { headline: "Order {{data.order}} stuck" } } });
    expect(ok.status).toBe(200);
    expect(ok.body.channels.pager).toEqual({ headline: "Order {{data.order}} stuck" });
    const unknownField = await call("PUT", "/v1/templates/page", { channels: { pager: { headline: "x", colour: "red" } } });
    expect(unknownField.status).toBe(400);
    const tooLong = await call("PUT", "/v1/templates/page", { channels: { pager: { headline: "x".repeat(81) } } });
    expect(tooLong.status).toBe(400);
    expect(JSON.stringify(tooLong.body.errors)).toContain("channels.pager.headline");
    const unregistered = await call("PUT", "/v1/templates/page", { channels: { telegraph: { text: "x" } } });
    expect(unregistered.status).toBe(400);
  });

  it("appears in the OpenAPI document", async () => {
    const doc = (await call("GET", "/openapi.json")).body;
    const channels = doc.components.schemas.TemplateChannels;
    // Every registered channel, in registry order, then the one declared here.
    expect(Object.keys(channels.properties)).toEqual([...builtInChannels.map((c) => c.id), "pager"]);
    expect(channels.properties.pager.properties.headline).toMatchObject({ type: "string", maxLength: 80 });
    expect(channels.additionalProperties).toBe(false);
  });

  it("is described to the admin template editor: fields and preview layout", async () => {
    const { body } = await call("GET", "/v1/admin/channels");
    const pager = body.items.find((d: { id: string }) => d.id === "pager");
    expect(pager).toEqual({
      id: "pager",
      title: "Pager",
      configured: true,
      fields: [
        { name: "headline", kind: "text", required: true, label: "headline", plainText: true, maxLength: 80 },
        { name: "detail", kind: "textarea", required: false, label: "detail", plainText: false, maxLength: 4000 },
      ],
      preview: { layout: "message", parts: { body: "headline" } },
    });
  });

  it("renders in the admin preview of an unsaved template", async () => {
    const { status, body } = await call("POST", "/v1/admin/templates/preview", { template: { channels: { pager: { headline: "Order {{data.order}}" } } }, data: { order: 7 } });
    expect(status).toBe(200);
    expect(body.channels.pager).toEqual({ headline: "Order 7" });
  });

  it("delivers ad-hoc broadcast content in its own shape, with its secret configuration masked in the logs", async () => {
    expect((await call("PUT", "/v1/subscribers/ann", { name: "Ann" })).status).toBe(201);
    const { status, body } = await call("POST", "/v1/broadcasts", { content: { title: "Sale", body: "Today only" }, audience: { all: true }, channels: ["pager"] });
    expect(status).toBe(202);
    await herald.outbox.drain();
    expect((await call("GET", `/v1/broadcasts/${body.id}`)).body).toMatchObject({ total: 1, sent: 1, failed: 0 });
    expect(sent).toEqual([{ headline: "Sale", detail: "Today only" }]);
    const paging = lines.filter((l) => l.msg.startsWith("paging via"));
    expect(paging).toHaveLength(1);
    expect(paging[0]!.msg).toBe("paging via [redacted]");
    expect(paging[0]!.fields).toEqual({ hookUrl: "[redacted]", PAGER_HOOK_URL: "[redacted]", to: "http://127.0.0.1:8787" });
    expect(JSON.stringify(lines)).not.toContain("very-secret-path");
  });
});
