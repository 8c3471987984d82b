import type { Store } from "../../store/index.js";
import { storeSecretOnce } from "../bootstrap.js";
import { sha256Hex, timingSafeEqual } from "../../lib/encoding.js";
import { generateAdminPassword, hashPassword, verifyPassword } from "./password.js";

export interface AdminSecrets {
  /** Checks a password typed at the login form, in time that does not depend on where it differs. */
  verify(password: string): Promise<boolean>;
  /** Set only on the start that generated the password: the one time it can be shown. */
  generatedPassword?: string;
  /** `environment`: HERALD_ADMIN_PASSWORD; `generated`: made on first start, shown once in the log. */
  from: "environment" | "generated";
}

/**
 * How an operator of this runtime finds a secret Herald generated and sets their own: the admin
 * login page and the Worker's log say it, so a missed first-start log line is never a silent
 * lock-out. `setWith` names the variable as `{name}`.
 */
export interface SecretHelp {
  /** Where a generated secret was written once, e.g. "the Worker's log (npx wrangler tail)". */
  shownIn: string;
  /** How to set one's own, e.g. "npx wrangler secret put {name}". */
  setWith: string;
}

/** Node and Deno: printed on the terminal of the first start; set in the environment. */
export const PROCESS_SECRET_HELP: SecretHelp = { shownIn: "the server's output on its first start", setWith: "set {name} in the environment and restart" };

const SETTING = "admin_password_pbkdf2";

/** Reads or creates the admin password, like the API key in ../bootstrap.ts: exactly one is made and shown. */
export async function loadAdminSecrets(store: Store, env: Record<string, string | undefined>): Promise<AdminSecrets> {
  const fromEnv = env.HERALD_ADMIN_PASSWORD;
  if (fromEnv) {
    // Nothing is stored for a password from the environment; digests are compared so the
    // comparison's time reveals nothing (and a cold Worker start pays for no PBKDF2 run).
    const expected = await sha256Hex(fromEnv);
    return { verify: async (password) => timingSafeEqual(await sha256Hex(password), expected), from: "environment" };
  }
  // Made once however many starts race; only the one whose insert won shows it (../bootstrap.ts).
  const { digest, generated } = await storeSecretOnce(store, SETTING, async () => {
    const secret = generateAdminPassword();
    return { secret, digest: await hashPassword(secret) };
  });
  return { verify: (password) => verifyPassword(password, digest), generatedPassword: generated, from: "generated" };
}
