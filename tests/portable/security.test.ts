/**
 * Security fixes over HTTP, on every runtime: a signed event replayed within its 5 minutes is the
 * same event, and Herald's log carries no token that passed through a request.
 */
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook, startResendPeer, type ResendPeer } from "../../src/channels/email/resend.peer.js";
import { api, eventually, startHerald, TEST_API_KEY, TEST_WEBHOOK_SECRET, type HeraldProcess } from "../support/server.js";
import { openSse, openWs } from "../support/stream-clients.js";

const EMAIL_WEBHOOK_SECRET = `whsec_${Buffer.from("integration-security-webhook-secret").toString("base64")}`;
let herald: HeraldProcess;
let resend: ResendPeer;
let call: ReturnType<typeof api>;

beforeAll(async () => {
  resend = await startResendPeer();
  herald = await startHerald({
    env: { HERALD_LOG_LEVEL: "info", EMAIL_FROM: "Shop <no-reply@shop.example>", EMAIL_API_URL: resend.url, EMAIL_API_KEY: resend.apiKey, EMAIL_WEBHOOK_SECRET },
  });
  call = api(herald.url);
  await call("PUT", "/v1/templates/sec-note", {
    channels: { realtime: { title: "Note", body: "{{data.n}}" }, email: { subject: "Note {{data.n}}", mjml: "<mj-section><mj-column><mj-text>{{data.n}}</mj-text></mj-column></mj-section>" } },
  });
  await call("PUT", "/v1/rules/sec-note", { event: "sec.note", steps: [{ channel: "realtime", template: "sec-note" }, { channel: "email", template: "sec-note" }] });
});
afterAll(async () => {
  await herald?.stop();
  await resend?.close();
});

describe("signed events", () => {
  const sign = (raw: string, t: number) => `t=${t},v1=${createHmac("sha256", TEST_WEBHOOK_SECRET).update(`${t}.${raw}`).digest("hex")}`;
  const post = (raw: string, signature: string, headers: Record<string, string> = {}) =>
    fetch(`${herald.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json", "x-herald-signature": signature, ...headers }, body: raw });

  it("are replay-proof without an id: the same signed request again is the same event", async () => {
    await call("PUT", "/v1/subscribers/replayed", { name: "R" });
    const me = api(herald.url, (await call("POST", "/v1/subscribers/replayed/tokens", {})).body.token);
    const raw = JSON.stringify({ type: "sec.note", to: "replayed", data: { n: 1 } });
    const signature = sign(raw, Math.floor(Date.now() / 1000));
    const first = await post(raw, signature);
    const again = await post(raw, signature);
    expect([first.status, again.status]).toEqual([202, 202]);
    const [a, b] = [(await first.json()).id, (await again.json()).id];
    expect(b).toBe(a);
    // An unsigned Idempotency-Key cannot make the captured request a new event either.
    const keyed = await post(raw, signature, { "idempotency-key": "fresh-key-1" });
    expect(keyed.status).toBe(400);
    expect(await keyed.json()).toMatchObject({ errors: [{ path: "Idempotency-Key" }] });
    await eventually(async () => (await me("GET", "/v1/me/notifications")).body.items.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await me("GET", "/v1/me/notifications")).body.items).toHaveLength(1);
    expect((await call("GET", `/v1/events/${a}`)).status).toBe(200);
  });

  it("still take their id from a signed body, and a new signature is a new event", async () => {
    const raw = JSON.stringify({ id: "signed-with-id", type: "sec.note", data: { n: 2 } });
    const t = Math.floor(Date.now() / 1000);
    expect(await (await post(raw, sign(raw, t), { "idempotency-key": "signed-with-id" })).json()).toEqual({ id: "signed-with-id" });
    const other = JSON.stringify({ type: "sec.note", data: { n: 3 } });
    const [x, y] = await Promise.all([post(other, sign(other, t)), post(other, sign(other, t - 1))]);
    expect((await x.json()).id).not.toBe((await y.json()).id);
  });
});

describe("the request log", () => {
  it("carries no token, key or signature of any request", async () => {
    await call("PUT", "/v1/subscribers/logged", { name: "L", email: "logged@example.com" });
    const token: string = (await call("POST", "/v1/subscribers/logged/tokens", {})).body.token;
    expect((await call("POST", "/v1/events", { id: "logged-1", type: "sec.note", to: "logged", data: { n: 4 } })).status).toBe(202);
    const sent = await eventually(() => resend.emails.find((e) => e.to.includes("logged@example.com")));
    const link = new URL(/<([^>]+)>/.exec(sent.headers!["List-Unsubscribe"]!)![1]!);
    const unsubscribeToken = link.pathname.split("/").pop()!;
    const before = herald.logs.join("").length;

    // The unsubscribe page and its one-click POST, the stream and the WebSocket with ?token=, the
    // inbox with a header token, a miss under a token-looking path, a signed webhook, an event with the key.
    expect((await fetch(`${herald.url}${link.pathname}`)).status).toBe(200);
    expect((await fetch(`${herald.url}${link.pathname}`, { method: "POST" })).status).toBe(200);
    const sse = await openSse(`${herald.url}/v1/me/stream?token=${token}`);
    await sse.until((events) => events.some((e) => e.event === "ready"));
    sse.close();
    const ws = await openWs(`${herald.url.replace(/^http/, "ws")}/v1/me/ws?token=${token}`);
    ws.close();
    expect((await api(herald.url, token)("GET", `/v1/me/notifications?token=${token}`)).status).toBe(200);
    expect((await call("GET", `/v1/nothing/${token}`)).status).toBe(404);
    const bounce = JSON.stringify({ type: "email.delivered", created_at: new Date().toISOString(), data: { email_id: sent.id, to: ["logged@example.com"] } });
    const signedHeaders = signWebhook(EMAIL_WEBHOOK_SECRET, bounce);
    expect((await fetch(`${herald.url}/v1/channels/email/webhook`, { method: "POST", headers: signedHeaders, body: bounce })).status).toBe(200);

    const lines = await eventually(() => {
      const text = herald.logs.join("").slice(before);
      return text.includes("/v1/nothing/") ? text : undefined;
    });
    // Herald's own JSON lines; wrangler dev's access log (lines starting "[wrangler") is the
    // platform's, which records whole URLs whatever the Worker does.
    const heraldLines = lines.split("\n").filter((l) => l.startsWith("{"));
    const secrets = [token, unsubscribeToken, TEST_API_KEY, signedHeaders.get("svix-signature")!.split(",")[1]!];
    for (const secret of secrets) expect(heraldLines.filter((l) => l.includes(secret.slice(0, 24)))).toEqual([]);
    expect(heraldLines.some((l) => l.includes('"msg":"request"') && l.includes("/v1/unsubscribe/[redacted]"))).toBe(true);
  });
});
