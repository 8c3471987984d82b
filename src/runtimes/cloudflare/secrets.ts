/**
 * Secrets on Workers. A Worker has no terminal: a secret Herald generates on first start (the API
 * key, the admin password) is written once to the Worker's log, where nobody may be looking at that
 * moment. So every boot of a Herald says which of HERALD_API_KEY and HERALD_ADMIN_PASSWORD is unset
 * and how to set it, and the admin login page says the same (SecretHelp): a missed log line is never
 * a silent lock-out.
 */
import type { SecretHelp } from "../../core/admin/bootstrap.js";
import type { Logger } from "../../core/logger.js";

export const WORKERS_SECRET_HELP: SecretHelp = {
  shownIn: "the Worker's log (npx wrangler tail, or Workers Logs in the dashboard)",
  setWith: "npx wrangler secret put {name}",
};

const SECRETS = [
  ["HERALD_API_KEY", "the API key"],
  ["HERALD_ADMIN_PASSWORD", "the /admin/ password"],
] as const;

/** One warning per unset secret; a generated API key is shown here (once, by the boot that made it). */
export function reportSecrets(env: Record<string, unknown>, logger: Logger, generatedApiKey: string | undefined): void {
  if (generatedApiKey) console.log(`\n  Herald API key (shown once, store it now): ${generatedApiKey}\n`);
  for (const [name, what] of SECRETS) {
    if (typeof env[name] === "string" && env[name] !== "") continue;
    const setWith = WORKERS_SECRET_HELP.setWith.replace("{name}", name);
    logger.log("warn", `${name} is not set: ${what} was generated on first start and written once to ${WORKERS_SECRET_HELP.shownIn}; if you do not have it, set your own with \`${setWith}\``);
  }
}
