/**
 * The SSRF guard through a running server: a provider URL whose host NAME resolves to a private
 * address (this machine's own name, from /etc/hosts) is refused when private networks are not
 * allowed; the peer behind it never hears a thing, and the delivery fails at once (not retried).
 * Literal private addresses and names like `localhost` are covered by the channel conformance tests.
 * Node checks the address each connection opens to (runtimes/shared/guarded-lookup.ts), Deno resolves before
 * each call (deno.ts). Not on workerd: Workers cannot reach private networks in production, and
 * wrangler dev's fetch would.
 */
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPrivateAddress } from "../../src/core/net/outbound.js";
import { startMattermostPeer, type MattermostPeer } from "../../src/channels/mattermost/mattermost.peer.js";
import { api, eventually, startHerald, type HeraldProcess } from "../support/server.js";

const name = hostname();
const resolvesPrivately = await lookup(name, { all: true }).then(
  (answers) => answers.length > 0 && answers.every((a) => isPrivateAddress(a.address)),
  () => false,
);

describe.skipIf(process.env.HERALD_TEST_RUNTIME === "workerd" || !resolvesPrivately)("a provider host name that resolves to a private address", () => {
  let herald: HeraldProcess;
  let peer: MattermostPeer;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    peer = await startMattermostPeer();
    const byName = peer.hookUrl.replace("127.0.0.1", name);
    herald = await startHerald({ env: { MATTERMOST_WEBHOOK_URL: byName, HERALD_ALLOW_PRIVATE_NETWORK: "0", HERALD_RETRY_BASE_MS: "20", HERALD_RETRY_MAX_ATTEMPTS: "3" } });
    call = api(herald.url);
    await call("PUT", "/v1/subscribers/s1", { name: "Sam" });
    await call("PUT", "/v1/templates/ping", { channels: { mattermost: { text: "ping {{data.n}}" } } });
    await call("PUT", "/v1/rules/ping", { event: "ping", to: { subscriber: "{{data.to}}" }, steps: [{ channel: "mattermost", template: "ping" }] });
  });
  afterAll(async () => {
    await herald?.stop();
    await peer?.close();
  });

  it("is refused: nothing reaches the peer and the delivery fails once, naming the reason", async () => {
    expect(peer.hookUrl).toContain("127.0.0.1");
    await call("POST", "/v1/events", { id: "ssrf-1", type: "ping", data: { n: 1, to: "s1" } });
    const delivery = await eventually(async () => {
      const d = (await call("GET", "/v1/events/ssrf-1")).body.notifications?.[0]?.deliveries?.[0];
      return d && ["sent", "failed", "dead"].includes(d.status) ? d : undefined;
    });
    expect(delivery).toMatchObject({ status: "failed", attempts: 1 });
    expect(delivery.lastError).toMatch(/refusing to reach/);
    expect(peer.received).toHaveLength(0);
  });
});
