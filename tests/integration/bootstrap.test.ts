/**
 * First boots racing on one database, each on its own connection, as several processes on a
 * `libsql://` database or several Worker isolates on one D1 do: exactly one generated secret is
 * stored, only the boot that stored it shows it, and every boot ends up with that one.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { socketChannels } from "../../src/channels/socket-channels.js";
import { apiKeyMatches } from "../../src/core/auth/api-key.js";
import { loadAdminSecrets } from "../../src/core/admin/bootstrap.js";
import { loadSecrets, storeSecretOnce } from "../../src/core/bootstrap.js";
import { createHerald } from "../../src/core/engine.js";
import { loadVapidKeys } from "../../src/core/push/vapid.js";
import { silentLogger } from "../../src/core/logger.js";
import { checkedLookup } from "../../src/runtimes/shared/guarded-lookup.js";
import { openLibsqlStore, type LibsqlStore } from "../../src/runtimes/shared/libsql-store.js";
import { tempDatabaseUrl } from "../support/server.js";

const BOOTS = 8;
let connections: LibsqlStore[] = [];

/** A fresh database and BOOTS connections to it (migrated once, before the race). */
async function freshDatabase(): Promise<LibsqlStore[]> {
  const url = tempDatabaseUrl();
  const first = await openLibsqlStore(url);
  const rest = await Promise.all(Array.from({ length: BOOTS - 1 }, () => openLibsqlStore(url)));
  connections.push(first, ...rest);
  return [first, ...rest];
}

afterAll(async () => {
  await Promise.all(connections.map((c) => c.close()));
  connections = [];
});

describe("secrets made on first boot", () => {
  it("store exactly one API key when boots race, and only its maker shows it", async () => {
    const dbs = await freshDatabase();
    const secrets = await Promise.all(dbs.map((db) => loadSecrets(db.store, {})));
    const shown = secrets.map((s) => s.generatedApiKey).filter((k): k is string => k !== undefined);
    expect(shown).toHaveLength(1);
    const stored = await dbs[0]!.store.settings.get("api_key_sha256");
    expect(secrets.every((s) => s.apiKeyHash === stored)).toBe(true);
    expect(await apiKeyMatches(shown[0]!, stored!)).toBe(true);
    // A later boot shows nothing and agrees.
    const later = await loadSecrets(dbs[3]!.store, {});
    expect(later.generatedApiKey).toBeUndefined();
    expect(later.apiKeyHash).toBe(stored);
  });

  it("store exactly one admin password when boots race, and the one shown is the one that works", async () => {
    const dbs = await freshDatabase();
    const admins = await Promise.all(dbs.map((db) => loadAdminSecrets(db.store, {})));
    const shown = admins.map((a) => a.generatedPassword).filter((p): p is string => p !== undefined);
    expect(shown).toHaveLength(1);
    for (const admin of admins) expect(await admin.verify(shown[0]!)).toBe(true);
  });

  it("store one VAPID key pair that every racing boot signs with", async () => {
    const dbs = await freshDatabase();
    const keys = await Promise.all(dbs.map((db) => loadVapidKeys(db.store, {})));
    expect(new Set(keys.map((k) => k.publicKey)).size).toBe(1);
    expect(JSON.parse((await dbs[0]!.store.settings.get("vapid_keys"))!).publicKey).toBe(keys[0]!.publicKey);
  });

  it("take over what an interrupted older first boot left ('pending'), once", async () => {
    const dbs = await freshDatabase();
    await dbs[0]!.store.settings.set("api_key_sha256", "pending");
    const results = await Promise.all(dbs.map((db, i) => storeSecretOnce(db.store, "api_key_sha256", async () => ({ secret: `key-${i}`, digest: `digest-${i}` }))));
    const winners = results.filter((r) => r.generated !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.digest).toBe(`digest-${winners[0]!.generated!.slice(4)}`);
    expect(results.every((r) => r.digest === winners[0]!.digest)).toBe(true);
    expect(await dbs[0]!.store.settings.get("api_key_sha256")).toBe(winners[0]!.digest);
  });

  it("print one API key and one admin password when whole engines boot at once", async () => {
    const dbs = await freshDatabase();
    const printed = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      const heralds = await Promise.all(dbs.map((db) => createHerald({ store: db.store, env: {}, channels: socketChannels({ guardedLookup: checkedLookup }), logger: silentLogger })));
      expect(heralds.filter((h) => h.secrets.generatedApiKey).length).toBe(1);
      const passwords = printed.mock.calls.map((c) => String(c[0])).filter((line) => line.includes("admin password"));
      expect(passwords).toHaveLength(1);
    } finally {
      printed.mockRestore();
    }
  });
});

