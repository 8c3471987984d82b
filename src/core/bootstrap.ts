import type { Store } from "../store/index.js";
import { generateApiKey, hashApiKey } from "./auth/api-key.js";
import { generateTokenKey } from "./auth/subscriber-token.js";

export interface ServerSecrets {
  /** SHA-256 of the API key: of `HERALD_API_KEY` when set, else of the key generated on first start. */
  apiKeyHash: string;
  /** Set only on the start that generated the key: the one time it can be shown. */
  generatedApiKey?: string;
  webhookSecret?: string;
  /** Signs subscriber tokens. Made on first start and kept in the store. */
  tokenKey: string;
}

/** What an interrupted first start of older versions left behind: no secret yet, free to take. */
const PENDING = "pending";

/**
 * A secret made on first start and kept only as its digest (the API key's hash, the admin
 * password's PBKDF2), made exactly once however many starts race: several processes on one
 * `libsql://` database, several Worker isolates on one D1. Each racer makes a candidate; one insert
 * wins (INSERT … ON CONFLICT DO NOTHING) and only that caller gets `generated`, the secret to
 * show. The others read the winner's digest back and show nothing. A stored secret is read first,
 * so later starts make no candidate at all (a Worker's cold start pays for no PBKDF2 run).
 *
 * @example
 * const { digest, generated } = await storeSecretOnce(store, "api_key_sha256", async () => {
 *   const key = generateApiKey();
 *   return { secret: key, digest: await hashApiKey(key) };
 * });
 */
export async function storeSecretOnce(store: Store, key: string, make: () => Promise<{ secret: string; digest: string }>): Promise<{ digest: string; generated?: string }> {
  const existing = await store.settings.get(key);
  if (existing !== undefined && existing !== PENDING) return { digest: existing };
  const candidate = await make();
  const stored = await store.settings.getOrCreate(key, () => candidate.digest);
  if (stored.created) return { digest: candidate.digest, generated: candidate.secret };
  if (stored.value === PENDING && (await store.settings.replaceIf(key, PENDING, candidate.digest))) return { digest: candidate.digest, generated: candidate.secret };
  // Another start won the race: its secret is the one, and it is the one that shows it.
  return { digest: (await store.settings.get(key))! };
}

/** Reads or creates the server's secrets. Safe to run from several processes at once. */
export async function loadSecrets(store: Store, env: Record<string, string | undefined>): Promise<ServerSecrets> {
  const tokenKey = (await store.settings.getOrCreate("subscriber_token_key", generateTokenKey)).value;
  const webhookSecret = env.HERALD_WEBHOOK_SECRET || undefined;
  if (env.HERALD_API_KEY) return { apiKeyHash: await hashApiKey(env.HERALD_API_KEY), webhookSecret, tokenKey };
  const { digest, generated } = await storeSecretOnce(store, "api_key_sha256", async () => {
    const secret = generateApiKey();
    return { secret, digest: await hashApiKey(secret) };
  });
  return { apiKeyHash: digest, generatedApiKey: generated, webhookSecret, tokenKey };
}
