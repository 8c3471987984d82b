/**
 * Secrets made on first boot, on D1: an isolate boots a Herald per concurrent request
 * (cloudflare/boot.ts), and several isolates boot at once, all on one database. Exactly one
 * generated secret is stored and only the boot whose insert won shows it.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { loadAdminSecrets } from "../../../src/core/admin/bootstrap.js";
import { loadSecrets, storeSecretOnce } from "../../../src/core/bootstrap.js";
import { d1Store } from "../../../src/runtimes/cloudflare/boot.js";
import { call } from "./support.js";

const BOOTS = 8;

describe("first boots racing on one D1 database", () => {
  it("store one API key and show it once", async () => {
    // Any request migrates the database. The Worker itself runs with HERALD_API_KEY, so none is stored yet.
    expect((await call("GET", "/v1/stats")).status).toBe(200);
    const stores = Array.from({ length: BOOTS }, () => d1Store(env as never));
    const secrets = await Promise.all(stores.map((store) => loadSecrets(store, {})));
    const shown = secrets.filter((s) => s.generatedApiKey !== undefined);
    expect(shown).toHaveLength(1);
    const stored = await stores[0]!.settings.get("api_key_sha256");
    expect(secrets.every((s) => s.apiKeyHash === stored)).toBe(true);
  });

  it("store one generated secret whoever races for it (the admin password's path)", async () => {
    const stores = Array.from({ length: BOOTS }, () => d1Store(env as never));
    const results = await Promise.all(stores.map((store, i) => storeSecretOnce(store, "race_test_secret", async () => ({ secret: `s${i}`, digest: `d${i}` }))));
    const winners = results.filter((r) => r.generated !== undefined);
    expect(winners).toHaveLength(1);
    expect(results.every((r) => r.digest === winners[0]!.digest)).toBe(true);
    const admins = await Promise.all(stores.map((store) => loadAdminSecrets(store, {})));
    // The Worker itself runs with HERALD_ADMIN_PASSWORD, so none is stored yet: exactly one boot makes and shows it.
    expect(admins.filter((a) => a.generatedPassword !== undefined)).toHaveLength(1);
  });
});
