import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelConformance } from "../../../tests/channels/conformance.js";
import { startMattermostPeer, type MattermostPeer } from "./mattermost.peer.js";
import { createChannelRegistry } from "../../core/channels/registry.js";
import { mattermostChannel } from "./mattermost.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { scriptControls } from "../shared/scripted.peer.js";

let peer: MattermostPeer;
beforeAll(async () => {
  peer = await startMattermostPeer();
});
afterAll(() => peer.close());

channelConformance({
  channel: mattermostChannel,
  content: { text: "Order #1234 is with the courier" },
  timeoutEnv: "MATTERMOST_TIMEOUT_MS",
  peer: () => ({
    env: { MATTERMOST_WEBHOOK_URL: peer.hookUrl },
    unreachableEnv: { MATTERMOST_WEBHOOK_URL: "http://127.0.0.1:9/hooks/x" },
    ...scriptControls(peer),
    acceptedIds: () => peer.received.map((p) => String(p.props?.herald_notification_id)),
  }),
});

describe("mattermost payload", () => {
  it("sends the documented fields, with config defaults and per-template overrides", async () => {
    const env = { MATTERMOST_WEBHOOK_URL: peer.hookUrl, MATTERMOST_USERNAME: "Herald" };
    const instance = createChannelRegistry([mattermostChannel], env).get("mattermost")!.instance!;
    const ctx = createSendContext({ allowPrivateNetwork: true });
    const base = { deliveryId: "d", eventId: "e", data: {}, critical: false, category: "test", subscriber: { id: "s", name: null, email: null, phone: null, locale: null } };
    await instance.send({ ...base, notificationId: "n-a", content: { text: "plain" } }, ctx);
    await instance.send({ ...base, notificationId: "n-b", content: { text: "custom", username: "Support", channel: "town-square", icon_url: "https://example.com/i.png" } }, ctx);
    const [a, b] = peer.received.slice(-2);
    expect(a).toMatchObject({ text: "plain", username: "Herald", props: { herald_notification_id: "n-a" } });
    expect(a!.channel).toBeUndefined();
    expect(b).toMatchObject({ text: "custom", username: "Support", channel: "town-square", icon_url: "https://example.com/i.png" });
    expect(a!.headers["content-type"]).toBe("application/json");
  });

  it("refuses a malformed webhook URL at start-up without echoing it", () => {
    expect(() => createChannelRegistry([mattermostChannel], { MATTERMOST_WEBHOOK_URL: "not a url/secret-part" })).toThrow(/MATTERMOST_WEBHOOK_URL: is not a valid URL/);
    try {
      createChannelRegistry([mattermostChannel], { MATTERMOST_WEBHOOK_URL: "not a url/secret-part" });
    } catch (error) {
      expect((error as Error).message).not.toContain("secret-part");
    }
  });
});
