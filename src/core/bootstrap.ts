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

/** Reads or creates the server's secrets. Safe to run from several processes at once. */
export async function loadSecrets(store: Store, env: Record<string, string | undefined>): Promise<ServerSecrets> {
  const tokenKey = (await store.settings.getOrCreate("subscriber_token_key", generateTokenKey)).value;
  const webhookSecret = env.HERALD_WEBHOOK_SECRET || undefined;
  if (env.HERALD_API_KEY) return { apiKeyHash: await hashApiKey(env.HERALD_API_KEY), webhookSecret, tokenKey };
  let generated: string | undefined;
  const stored = await store.settings.getOrCreate("api_key_sha256", () => "pending");
  if (stored.created || stored.value === "pending") {
    generated = generateApiKey();
    await store.settings.set("api_key_sha256", await hashApiKey(generated));
  }
  return { apiKeyHash: (await store.settings.get("api_key_sha256"))!, generatedApiKey: generated, webhookSecret, tokenKey };
}
