import type { Store } from "../../store/index.js";
import { sha256Hex, timingSafeEqual } from "../encoding.js";
import { generateAdminPassword, hashPassword, verifyPassword } from "./password.js";

export interface AdminSecrets {
  /** Checks a password typed at the login form, in time that does not depend on where it differs. */
  verify(password: string): Promise<boolean>;
  /** Set only on the start that generated the password: the one time it can be shown. */
  generatedPassword?: string;
}

const SETTING = "admin_password_pbkdf2";

/** Reads or creates the admin password, like the API key in ../bootstrap.ts. */
export async function loadAdminSecrets(store: Store, env: Record<string, string | undefined>): Promise<AdminSecrets> {
  const fromEnv = env.HERALD_ADMIN_PASSWORD;
  if (fromEnv) {
    // Nothing is stored for a password from the environment; digests are compared so the
    // comparison's time reveals nothing (and a cold Worker start pays for no PBKDF2 run).
    const expected = await sha256Hex(fromEnv);
    return { verify: async (password) => timingSafeEqual(await sha256Hex(password), expected) };
  }
  const stored = await store.settings.getOrCreate(SETTING, () => "pending");
  let generatedPassword: string | undefined;
  if (stored.created || stored.value === "pending") {
    generatedPassword = generateAdminPassword();
    await store.settings.set(SETTING, await hashPassword(generatedPassword));
  }
  const hash = (await store.settings.get(SETTING))!;
  return { verify: (password) => verifyPassword(password, hash), generatedPassword };
}
