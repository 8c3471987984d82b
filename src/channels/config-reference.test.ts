import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configReference, REFERENCE_END, REFERENCE_START, withReference } from "./config-reference.js";
import { documentedChannels } from "./documented.js";

describe("README channel configuration reference", () => {
  it("is what the channel declarations generate (npm run docs:channels rewrites it)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    expect(readme).toContain(REFERENCE_START);
    expect(readme).toContain(REFERENCE_END);
    expect(withReference(readme, configReference(documentedChannels()))).toBe(readme);
  });

  it("lists every declared environment variable, with its choices, range and secrecy", () => {
    const reference = configReference(documentedChannels());
    for (const channel of documentedChannels()) for (const field of Object.values(channel.config)) if (field.env) expect(reference).toContain(`\`${field.env}\``);
    expect(reference).toMatch(/\| `HERALD_PUSH_URGENCY` \| `normal` \| string, `very-low` \/ `low` \/ `normal` \/ `high` \|/);
    expect(reference).toMatch(/\| `TWILIO_AUTH_TOKEN` \| unset \| string, [^|]*secret \(masked in logs\) \|/);
  });

  it("lists the provider answers a channel handles specially under its table", () => {
    const reference = configReference(documentedChannels());
    const slack = reference.slice(reference.indexOf("#### `slack`"), reference.indexOf("#### `discord`"));
    expect(slack).toMatch(/Provider answers it handles specially:\n\n- `slack_fatal_error`: a final failure, never retried/);
  });
});
