import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelConformance } from "../../../tests/channels/conformance.js";
import type { ChannelMessage } from "../../core/channels/define.js";
import { renderChannelContent } from "../../core/channels/content.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { maskingLogger, type Logger } from "../../core/logger.js";
import type { TemplateContext } from "../../core/rendering.js";
import { scriptControls } from "../shared/scripted.peer.js";
import { buildSlackMessage, splitSections } from "./blocks.js";
import { slackChannel } from "./slack.js";
import { blockProblems, notificationIdOf, startSlackPeer, type SlackPeer } from "./slack.peer.js";

let peer: SlackPeer;
beforeAll(async () => {
  peer = await startSlackPeer();
});
afterAll(() => peer.close());

const webhookEnv = () => ({ SLACK_WEBHOOK_URL: peer.hookUrl });
const apiEnv = (channel = "C0ALERTS01") => ({ SLACK_BOT_TOKEN: peer.botToken, SLACK_CHANNEL: channel, SLACK_API_URL: peer.apiUrl });

describe("through an incoming webhook", () => {
  channelConformance({
    channel: slackChannel,
    content: { text: "Order #1234 is with the courier" },
    timeoutEnv: "SLACK_TIMEOUT_MS",
    peer: () => ({
      env: webhookEnv(),
      unreachableEnv: { SLACK_WEBHOOK_URL: "http://127.0.0.1:9/services/T0/B0/x" },
      ...scriptControls(peer),
      acceptedIds: () => peer.received.map((p) => notificationIdOf(p) ?? ""),
      // Slack names its webhook errors in the body: 400 invalid_payload, 5xx rollup_error.
      codeFor: (status) => (status === 400 ? "slack_invalid_payload" : status >= 500 ? "slack_rollup_error" : `http_${status}`),
    }),
  });
});

describe("through chat.postMessage", () => {
  channelConformance({
    channel: slackChannel,
    content: { text: "Order #1234 is with the courier", title: "Courier" },
    timeoutEnv: "SLACK_TIMEOUT_MS",
    peer: () => ({
      env: apiEnv(),
      unreachableEnv: { ...apiEnv(), SLACK_API_URL: "http://127.0.0.1:9/api" },
      ...scriptControls(peer),
      acceptedIds: () => peer.received.map((p) => notificationIdOf(p) ?? ""),
      // The Web API answers bad requests 200 {ok:false, error} and outages 5xx {error: internal_error}.
      codeFor: (status) => (status === 400 ? "slack_invalid_arguments" : status >= 500 ? "slack_internal_error" : `http_${status}`),
    }),
  });
});

const context: TemplateContext = {
  data: {},
  subscriber: { id: "s1", name: "Ann" },
  event: { id: "e1", type: "ticket.escalated" },
  notification: { id: "n1" },
};

let counter = 0;
function message(content: unknown): ChannelMessage<unknown> {
  counter++;
  return {
    notificationId: `ntf_slack_${counter}`,
    deliveryId: `d${counter}`,
    eventId: `e${counter}`,
    subscriber: { id: "s1", name: "Ann", email: null, phone: null, locale: "en" },
    content,
    data: {},
    critical: true,
    category: "test",
  };
}

/** Renders a template's `channels.slack` with event data the way the engine does, then sends it. */
async function renderAndSend(env: Record<string, string>, template: unknown, data: Record<string, unknown>) {
  const rendered = await renderChannelContent(slackChannel, template, { ...context, data });
  if (!rendered.ok) throw new Error(rendered.message);
  const instance = createChannelRegistry([slackChannel], env).get("slack")!.instance!;
  const m = message(rendered.content);
  const result = await instance.send(m, createSendContext({ allowPrivateNetwork: true }));
  return { result, post: peer.received.find((p) => notificationIdOf(p) === m.notificationId) };
}

describe("slack message", () => {
  const hostile = '<!channel> ping & <https://evil.example|https://bank.example> "quoted" it\'s `x` a=b @here &lt;!everyone&gt;';

  it("escapes &, < and > from event data as Slack requires, and keeps the template's own mrkdwn", async () => {
    const template = { title: "Ticket {{data.id}}: {{data.subject}}", text: "*Customer wrote:* {{data.note}}\n<https://help.example/t/{{data.id}}?tab=1&view=full|Open the ticket>" };
    const { result, post } = await renderAndSend(webhookEnv(), template, { id: 77, subject: "Refund <now> & \"fast\"", note: hostile });
    expect(result).toEqual({ ok: true });
    const [header, section] = post!.blocks!;
    expect(header).toEqual({ type: "header", text: { type: "plain_text", text: 'Ticket 77: Refund &lt;now&gt; &amp; "fast"', emoji: true } });
    expect(section).toEqual({
      type: "section",
      text: {
        type: "mrkdwn",
        verbatim: true,
        text:
          "*Customer wrote:* &lt;!channel&gt; ping &amp; &lt;https://evil.example|https://bank.example&gt; \"quoted\" it's `x` a=b @here &amp;lt;!everyone&amp;gt;\n" +
          "<https://help.example/t/77?tab=1&amp;view=full|Open the ticket>",
      },
    });
    // No control sequence from data survives anywhere in what Slack parses.
    expect(JSON.stringify(post!.body)).not.toMatch(/<!channel>|<!everyone>|<https:\/\/evil/);
    expect(post!.text).toContain("&lt;!channel&gt;");
    expect(post!.text).not.toMatch(/&quot;|&#x27;|&#x60;|&#x3D;/);
  });

  it("sends URL buttons with Slack's escaping in their labels, raw URLs, and drops non-web links", async () => {
    const template = {
      text: "Your order shipped",
      actions: [
        { action: "track", title: "Track {{data.carrier}}", url: "{{data.trackUrl}}" },
        { action: "evil", title: "Click", url: "{{data.evilUrl}}" },
        { action: "long", title: "{{data.longTitle}}", url: "https://shop.example/o/1" },
      ],
    };
    const { result, post } = await renderAndSend(webhookEnv(), template, {
      carrier: "DHL <Express> & Co",
      trackUrl: "https://track.example/?id=1&lang=en",
      evilUrl: "javascript:alert(1)",
      longTitle: "Л".repeat(120),
    });
    expect(result).toEqual({ ok: true });
    const actions = post!.blocks!.find((b) => b.type === "actions")!;
    expect(actions.elements).toEqual([
      { type: "button", action_id: "0:track", text: { type: "plain_text", text: "Track DHL &lt;Express&gt; &amp; Co", emoji: true }, url: "https://track.example/?id=1&lang=en" },
      { type: "button", action_id: "1:long", text: { type: "plain_text", text: `${"Л".repeat(74)}…`, emoji: true }, url: "https://shop.example/o/1" },
    ]);
  });

  it("splits long text into sections under 3,000 characters that Slack accepts, and cuts the header to 150", async () => {
    const paragraph = `${"word ".repeat(150).trim()}.`; // 750 characters
    const long = Array.from({ length: 14 }, (_, i) => `${i}: ${paragraph}`).join("\n");
    const built = buildSlackMessage({ text: long, title: "T".repeat(400) });
    expect(blockProblems(built.blocks)).toEqual([]);
    const sections = built.blocks.filter((b) => b.type === "section").map((b) => (b.text as { text: string }).text);
    expect(sections.length).toBeGreaterThan(3);
    for (const s of sections) expect(s.length).toBeLessThanOrEqual(3000);
    expect(sections.join("\n")).toBe(long);
    expect((built.blocks[0]!.text as { text: string }).text).toHaveLength(150);
    // The same text in one section is what Slack refuses.
    expect(blockProblems([{ type: "section", text: { type: "mrkdwn", text: long } }])).not.toEqual([]);
    const { result } = await renderAndSend(apiEnv(), { text: long, title: "T".repeat(400) }, {});
    expect(result).toMatchObject({ ok: true });
  });

  it("never splits an entity or a <link|label> between sections", () => {
    const entity = splitSections(`${"a".repeat(2997)}&amp;${"b".repeat(10)}`);
    expect(entity).toEqual(["a".repeat(2997), `&amp;${"b".repeat(10)}`]);
    const link = splitSections(`${"b".repeat(2990)}<https://shop.example/very/long|Open>`);
    expect(link).toEqual(["b".repeat(2990), "<https://shop.example/very/long|Open>"]);
  });

  it("refuses more than 25 buttons when the template is saved", () => {
    const actions = Array.from({ length: 26 }, (_, i) => ({ action: `a${i}`, title: "x", url: "https://x.example" }));
    expect(slackChannel.content.safeParse({ text: "x", actions }).success).toBe(false);
    expect(slackChannel.content.safeParse({ text: "x", actions: actions.slice(0, 25) }).success).toBe(true);
  });

  it("posts with the bot token and records <channel>/<ts>, carrying the notification id as metadata", async () => {
    const { result, post } = await renderAndSend(apiEnv("#alerts"), { text: "hello" }, {});
    expect(post!.headers.authorization).toBe(`Bearer ${peer.botToken}`);
    expect(post!.metadata).toMatchObject({ event_type: "herald_notification" });
    expect(result).toEqual({ ok: true, providerMessageId: `C0ALERTS01/${post!.ts}` });
  });
});

describe("slack failures", () => {
  const send = async (env: Record<string, string>) => {
    const instance = createChannelRegistry([slackChannel], env).get("slack")!.instance!;
    return instance.send(message({ text: "x" }), createSendContext({ allowPrivateNetwork: true }));
  };

  it("honours Retry-After on a webhook's 429 rate_limited", async () => {
    peer.script.push({ status: 429, retryAfter: "30" });
    expect(await send(webhookEnv())).toMatchObject({ ok: false, retryable: true, code: "slack_rate_limited", retryAfterMs: 30_000 });
  });

  it("honours Retry-After on the Web API's 429 ratelimited", async () => {
    peer.script.push({ status: 429, retryAfter: "12" });
    expect(await send(apiEnv())).toMatchObject({ ok: false, retryable: true, code: "slack_ratelimited", retryAfterMs: 12_000 });
  });

  it.each([
    ["an unknown channel", () => apiEnv("C0MISSING1"), "slack_channel_not_found"],
    ["a channel the bot is not in", () => apiEnv("C0PRIVATE1"), "slack_not_in_channel"],
    ["an archived channel", () => apiEnv("C0OLDCHAN1"), "slack_is_archived"],
    ["a revoked or wrong token", () => ({ ...apiEnv(), SLACK_BOT_TOKEN: "xoxb-0-0-wrong" }), "slack_invalid_auth"],
  ])("fails at once, without retrying, for %s (Web API)", async (_name, env, code) => {
    expect(await send(env())).toMatchObject({ ok: false, retryable: false, code });
  });

  it("ends with a final failure on fatal_error, which Slack says may come after the post went through: a retry could post it twice", async () => {
    peer.script.push({ error: "fatal_error", posted: true });
    const m = message({ text: "x" });
    const result = await createChannelRegistry([slackChannel], apiEnv()).get("slack")!.instance!.send(m, createSendContext({ allowPrivateNetwork: true }));
    expect(result).toMatchObject({ ok: false, retryable: false, code: "slack_fatal_error" });
    expect(result.ok === false && result.message).toMatch(/may have been posted.*not retried/);
    // It did go in: the case a retry would have doubled.
    expect(peer.received.filter((p) => notificationIdOf(p) === m.notificationId)).toHaveLength(1);
    // The same when Slack pairs it with a 5xx status, which alone would be retried.
    peer.script.push({ error: "fatal_error", status: 500 });
    expect(await send(apiEnv())).toMatchObject({ ok: false, retryable: false, code: "slack_fatal_error" });
    // internal_error, which Slack calls "likely … transient", is still tried again.
    peer.script.push({ error: "internal_error" });
    expect(await send(apiEnv())).toMatchObject({ ok: false, retryable: true, code: "slack_internal_error" });
  });

  it("fails at once for a deleted webhook (404 no_service) and an archived one (410 channel_is_archived)", async () => {
    expect(await send({ SLACK_WEBHOOK_URL: `${peer.url}/services/T0HERALD1/B0GONE/xyz` })).toMatchObject({ ok: false, retryable: false, code: "slack_no_service" });
    expect(await send({ SLACK_WEBHOOK_URL: peer.archivedHookUrl })).toMatchObject({ ok: false, retryable: false, code: "slack_channel_is_archived" });
  });
});

describe("slack configuration", () => {
  it("needs a webhook, or a bot token with a channel", () => {
    expect(createChannelRegistry([slackChannel], {}).get("slack")!.missing).toEqual(["SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and SLACK_CHANNEL"]);
    expect(createChannelRegistry([slackChannel], { SLACK_BOT_TOKEN: peer.botToken }).get("slack")!.missing).toEqual(["SLACK_CHANNEL"]);
    expect(createChannelRegistry([slackChannel], apiEnv()).get("slack")!.instance).toBeDefined();
  });

  it("refuses a malformed token at start-up without echoing it", () => {
    let message = "";
    try {
      createChannelRegistry([slackChannel], { SLACK_BOT_TOKEN: "not-a-token-s3cr3tvalue", SLACK_CHANNEL: "C1" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/SLACK_BOT_TOKEN: must be a Slack token/);
    expect(message).not.toContain("s3cr3tvalue");
  });

  it("masks the token and the webhook URL in logs, by field name and inside any text", () => {
    const registry = createChannelRegistry([slackChannel], { ...webhookEnv(), ...apiEnv() });
    const lines: string[] = [];
    const inner: Logger = { log: (level, msg, fields) => void lines.push(JSON.stringify({ level, msg, fields })) };
    const logger = maskingLogger(inner, registry.secrets());
    logger.log("error", `posting to ${peer.hookUrl} failed`, { SLACK_BOT_TOKEN: peer.botToken, error: `auth ${peer.botToken} refused`, botToken: "x" });
    const out = lines.join("\n");
    expect(out).not.toContain(peer.botToken);
    expect(out).not.toContain(new URL(peer.hookUrl).pathname);
    expect(out).toContain("[redacted]");
  });
});
