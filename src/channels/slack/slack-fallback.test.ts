/**
 * Slack and Discord through a real Herald process (HERALD_TEST_RUNTIME picks node, deno or workerd)
 * and their peers: a rule posts to Slack with Discord as its fallback. Hostile event data arrives
 * escaped, Slack's 429 is waited out for as long as its Retry-After says, a permanent Slack
 * error (archived channel) fails the delivery at once and hands the notification to Discord, and so
 * does `fatal_error`, which is never retried (the message may already be posted).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, eventually, startHerald, type HeraldProcess } from "../../../tests/support/server.js";
import { startDiscordPeer, type DiscordPeer } from "../discord/discord.peer.js";
import { notificationIdOf, startSlackPeer, type SlackPeer } from "./slack.peer.js";

let herald: HeraldProcess;
let slack: SlackPeer;
let discord: DiscordPeer;
let call: ReturnType<typeof api>;

type Delivery = { channel: string; status: string; attempts: number; providerMessageId: string | null; lastError?: string | null };
async function deliveries(eventId: string): Promise<Delivery[]> {
  const res = await call("GET", `/v1/events/${eventId}`);
  return res.body?.notifications?.flatMap((n: { deliveries: Delivery[] }) => n.deliveries) ?? [];
}

const sectionText = (post: SlackPeer["received"][number]) => post.blocks?.filter((b) => b.type === "section").map((b) => b.text.text).join("\n") ?? "";

beforeAll(async () => {
  [slack, discord] = await Promise.all([startSlackPeer(), startDiscordPeer()]);
  herald = await startHerald({
    env: {
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_CHANNEL: "C0ALERTS01",
      SLACK_API_URL: slack.apiUrl,
      DISCORD_WEBHOOK_URL: discord.hookUrl,
      // Quick retries, so that only Slack's Retry-After can make the second attempt wait 2 s.
      HERALD_RETRY_BASE_MS: "100",
      HERALD_RETRY_CAP_MS: "1000",
    },
  });
  call = api(herald.url);
  const actions = [{ action: "open", title: "Open ticket {{data.id}}", url: "https://help.example/t/{{data.id}}?from=chat&x=1" }];
  expect((await call("PUT", "/v1/templates/escalated", {
    channels: {
      slack: { title: "Ticket {{data.id}} escalated", text: "*{{data.subject}}*, for {{subscriber.name}}", actions },
      discord: { text: "Ticket {{data.id}} escalated: {{data.subject}}", actions },
    },
  })).status).toBeLessThan(300);
  expect((await call("PUT", "/v1/rules/escalated", {
    event: "ticket.escalated",
    critical: true,
    steps: [
      { channel: "slack", template: "escalated" },
      { channel: "discord", template: "escalated", fallback: true },
    ],
  })).status).toBeLessThan(300);
  expect((await call("PUT", "/v1/subscribers/agent-1", { name: "Agent <b>Smith</b>" })).status).toBeLessThan(300);
});

afterAll(async () => {
  await herald?.stop();
  await Promise.all([slack?.close(), discord?.close()]);
});

describe("slack with a discord fallback, over HTTP", () => {
  it("posts to Slack with event data escaped, records the message ts, and leaves the fallback alone", async () => {
    expect((await call("POST", "/v1/events", { id: "sd-1", type: "ticket.escalated", to: "agent-1", data: { id: 501, subject: "<!channel> refund & \"now\"" } })).status).toBe(202);
    const post = await eventually(() => slack.received.find((p) => sectionText(p).includes("refund")));
    expect(sectionText(post)).toBe('*&lt;!channel&gt; refund &amp; "now"*, for Agent &lt;b&gt;Smith&lt;/b&gt;');
    expect(post.blocks![0]).toMatchObject({ type: "header", text: { text: "Ticket 501 escalated" } });
    expect(post.blocks!.at(-1)!.elements[0]).toMatchObject({ url: "https://help.example/t/501?from=chat&x=1", text: { text: "Open ticket 501" } });
    const [delivery] = await eventually(async () => {
      const list = await deliveries("sd-1");
      return list.some((d) => d.status === "sent") ? list : undefined;
    });
    expect(delivery).toMatchObject({ channel: "slack", status: "sent", providerMessageId: `C0ALERTS01/${post.ts}` });
    expect(notificationIdOf(post)).toMatch(/\S/);
    expect(discord.received).toHaveLength(0);
  });

  it("waits out Slack's Retry-After on a 429 before posting again", async () => {
    slack.script.push({ status: 429, retryAfter: "2" });
    const before = slack.requests.length;
    await call("POST", "/v1/events", { id: "sd-2", type: "ticket.escalated", to: "agent-1", data: { id: 502, subject: "Slow down" } });
    const post = await eventually(() => slack.received.find((p) => p.text?.includes("502")));
    const [limited, accepted] = slack.requests.slice(before);
    expect(limited).toMatchObject({ status: 429, error: "ratelimited" });
    expect(accepted).toMatchObject({ status: 200 });
    expect(post.at - limited!.at).toBeGreaterThanOrEqual(1950);
    await eventually(async () => (await deliveries("sd-2")).find((d) => d.status === "sent" && d.attempts === 2));
  });

  it("fails at once on an archived Slack channel and delivers through the Discord fallback", async () => {
    slack.channels.C0ALERTS01!.archived = true;
    try {
      const before = slack.requests.length;
      await call("POST", "/v1/events", { id: "sd-3", type: "ticket.escalated", to: "agent-1", data: { id: 503, subject: "@everyone it's down" } });
      const message = await eventually(() => discord.received.find((m) => m.content?.includes("503")));
      expect(message.content).toBe("Ticket 503 escalated: @everyone it's down");
      expect(message.pinged).toEqual([]);
      expect(message.components[0]!.components[0]).toEqual({ type: 2, style: 5, label: "Open ticket 503", url: "https://help.example/t/503?from=chat&x=1" });
      const list = await eventually(async () => {
        const all = await deliveries("sd-3");
        return all.find((d) => d.channel === "discord" && d.status === "sent") ? all : undefined;
      });
      expect(list.find((d) => d.channel === "slack")).toMatchObject({ status: "failed", attempts: 1, lastError: expect.stringContaining("slack_is_archived") });
      expect(list.find((d) => d.channel === "discord")).toMatchObject({ providerMessageId: message.id });
      // One try: a permanent error is not retried.
      expect(slack.requests.slice(before).map((r) => r.error)).toEqual(["is_archived"]);
    } finally {
      slack.channels.C0ALERTS01!.archived = false;
    }
    const logs = herald.logs.join("");
    expect(logs).not.toContain(slack.botToken);
    expect(logs).not.toContain(new URL(discord.hookUrl).pathname.split("/").at(-1));
  });

  it("posts once when Slack answers fatal_error after the message went in: the delivery fails with the reason, unretried, and Discord takes over", async () => {
    // Slack documents fatal_error as possibly raised after "some aspect of the operation succeeded".
    slack.script.push({ error: "fatal_error", posted: true });
    const before = slack.requests.length;
    await call("POST", "/v1/events", { id: "sd-4", type: "ticket.escalated", to: "agent-1", data: { id: 504, subject: "Half-posted" } });
    await eventually(() => discord.received.find((m) => m.content?.includes("504")));
    const list = await eventually(async () => {
      const all = await deliveries("sd-4");
      return all.find((d) => d.channel === "discord" && d.status === "sent") ? all : undefined;
    });
    expect(list.find((d) => d.channel === "slack")).toMatchObject({ status: "failed", attempts: 1, lastError: expect.stringContaining("slack_fatal_error: fatal_error (HTTP 200): Slack says the message may have been posted") });
    // Retries here come after 100 ms: give one the time it would take, then count what reached Slack.
    await new Promise((r) => setTimeout(r, 1000));
    expect(slack.requests.slice(before).map((r) => r.error)).toEqual(["fatal_error"]);
    expect(slack.received.filter((p) => p.text?.includes("504"))).toHaveLength(1);
  });
});
