/**
 * The conformance suites run against every registered channel: the declaration suite here, for
 * each channel of the registry; the provider suite (`channelConformance`, sends against a real
 * peer) from a test in the channel's own folder. A channel added to the registry without the
 * latter fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtInChannels } from "../../src/channels/index.js";
import { documentedChannels } from "../../src/channels/documented.js";
import { declarationConformance } from "./conformance.js";

const channelsDir = new URL("../../src/channels/", import.meta.url);

/** Channels that deliver inside Herald, with no provider to send to, and where they are tested instead. */
const NO_PROVIDER: Record<string, string> = {
  realtime: "appends to Herald's own inbox: tests/portable/realtime.test.ts, tests/integration/direct-delivery.test.ts",
};

const registered = [...new Map([...builtInChannels, ...documentedChannels()].map((c) => [c.id, c])).values()];
for (const channel of registered) declarationConformance(channel);

describe("provider conformance covers every registered channel", () => {
  it.each(registered.map((c) => c.id))("%s lives in src/channels/<id>/ and runs channelConformance there", (id) => {
    const files = readdirSync(new URL(`${id}/`, channelsDir));
    if (NO_PROVIDER[id]) return;
    const tests = files.filter((f) => f.endsWith(".test.ts")).map((f) => readFileSync(new URL(`${id}/${f}`, channelsDir), "utf8"));
    expect(tests.some((source) => /channelConformance\(\{/.test(source)), `no test in src/channels/${id}/ calls channelConformance`).toBe(true);
  });
});
