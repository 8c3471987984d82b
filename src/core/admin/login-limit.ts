/** Login throttling: failed attempts per client per window before logins are refused with 429. */
export interface LoginLimit {
  attempts: number;
  windowMs: number;
}

/** HERALD_ADMIN_LOGIN_ATTEMPTS (default 10) per HERALD_ADMIN_LOGIN_WINDOW_SECONDS (default 900). */
export function loginLimitFromEnv(env: Record<string, string | undefined>): LoginLimit {
  const attempts = Number(env.HERALD_ADMIN_LOGIN_ATTEMPTS);
  const seconds = Number(env.HERALD_ADMIN_LOGIN_WINDOW_SECONDS);
  return {
    attempts: Number.isInteger(attempts) && attempts > 0 ? attempts : 10,
    windowMs: (Number.isFinite(seconds) && seconds > 0 ? seconds : 900) * 1000,
  };
}

/**
 * Who is logging in, for throttling. Only a header the platform sets and a client cannot forge
 * (Cloudflare's `cf-connecting-ip`) names a client; elsewhere every client shares one budget, since
 * trusting X-Forwarded-For would let an attacker pick a fresh key per guess.
 */
export function loginClientKey(header: (name: string) => string | undefined): string {
  const ip = header("cf-connecting-ip");
  return ip ? `ip:${ip}` : "all";
}
