import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { admitLogin, deviceCookie, deviceOf } from "../../admin/login-limit.js";
import { createSession, findSession, readCookie, SESSION_COOKIE, sessionCookie, SESSION_TTL_MS } from "../../admin/session.js";
import { ProblemError } from "../../errors.js";
import type { AppEnv, HttpDeps } from "../deps.js";
import { bearerSecurity, jsonBody, jsonResponse, problems } from "../openapi.js";

const LoginInput = z.strictObject({ password: z.string().min(1).max(1024) }).openapi("AdminLogin");
const SessionView = z.object({ csrfToken: z.string(), expiresAt: z.string() }).openapi("AdminSession");
const PasswordSetup = z
  .object({
    from: z.enum(["environment", "generated"]).describe("`generated`: no HERALD_ADMIN_PASSWORD is set; one was made on first start and shown once"),
    shownIn: z.string().optional().describe("where a generated password was written once (only when generated)"),
    setWith: z.string().optional().describe("how to set HERALD_ADMIN_PASSWORD on this runtime (only when generated)"),
  })
  .openapi("AdminPasswordSetup");
const SessionState = z
  .union([z.object({ authenticated: z.literal(true), csrfToken: z.string(), expiresAt: z.string() }), z.object({ authenticated: z.literal(false), password: PasswordSetup })])
  .openapi("AdminSessionState");

/**
 * Admin UI login. The session lives in an HttpOnly, SameSite=Strict cookie; its CSRF token is given
 * to the page (never in a cookie) and must come back in X-Herald-CSRF on every state change.
 */
export function adminSessionRoutes(app: OpenAPIHono<AppEnv>, deps: HttpDeps) {
  const { store, clock } = deps;
  // Told to anyone who opens the login page: only whether a password was set, never anything of it.
  const { from, shownIn, setWith } = deps.admin.password;
  const passwordSetup = from === "generated" ? { from, shownIn, setWith: setWith.replaceAll("{name}", "HERALD_ADMIN_PASSWORD") } : { from };
  const isHttps = (url: string, forwarded: string | undefined) => new URL(url).protocol === "https:" || forwarded === "https";

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/login",
      summary: "Log in to the admin UI with HERALD_ADMIN_PASSWORD; sets the session cookie",
      request: { body: jsonBody(LoginInput) },
      responses: { 200: jsonResponse(SessionView, "Logged in"), 429: problems[401], ...problems },
    }),
    async (c) => {
      const { password } = c.req.valid("json");
      const now = clock.now();
      // Per client and per account, with an exemption for browsers that logged in before (admin/login-limit.ts).
      const device = await deviceOf(deps.secrets.tokenKey, c.req.header("cookie"), now);
      const admission = await admitLogin(store, deps.admin.loginLimit, { device, client: deps.clientAddress(c) }, now);
      if (!admission.ok) {
        const retryAfter = admission.retryAfterSeconds;
        const detail =
          admission.scope === "account"
            ? `too many failed logins from many clients; log in from a browser that has logged in before, or try again in ${retryAfter} s`
            : `try again in ${retryAfter} s`;
        throw new ProblemError(429, "too-many-logins", "Too many login attempts", detail, { headers: { "retry-after": String(retryAfter) } });
      }
      if (!(await deps.admin.verifyPassword(password))) throw new ProblemError(401, "unauthorized", "Authentication required", "wrong password");
      await admission.succeeded();
      const { token, session } = await createSession(store, now);
      const secure = isHttps(c.req.url, c.req.header("x-forwarded-proto"));
      c.header("set-cookie", sessionCookie(token, SESSION_TTL_MS / 1000, secure));
      c.header("set-cookie", await deviceCookie(deps.secrets.tokenKey, device, now, secure), { append: true });
      c.header("cache-control", "no-store");
      return c.json({ csrfToken: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/session",
      summary: "Whether this browser has an admin session and its CSRF token; without one, where the password comes from (public: the login page asks it)",
      responses: { 200: jsonResponse(SessionState, "The session, if any") },
    }),
    async (c) => {
      const session = await findSession(store, readCookie(c.req.header("cookie"), SESSION_COOKIE), clock.now());
      c.header("cache-control", "no-store");
      if (!session) return c.json({ authenticated: false as const, password: passwordSetup }, 200);
      return c.json({ authenticated: true as const, csrfToken: session.csrf, expiresAt: new Date(session.expiresAt).toISOString() }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/logout",
      summary: "End the admin session",
      security: bearerSecurity,
      responses: { 204: { description: "Logged out" }, ...problems },
    }),
    async (c) => {
      const session = await findSession(store, readCookie(c.req.header("cookie"), SESSION_COOKIE), clock.now());
      if (session) await store.adminSessions.delete(session.idHash);
      c.header("set-cookie", sessionCookie("", 0, isHttps(c.req.url, c.req.header("x-forwarded-proto"))));
      return c.body(null, 204);
    },
  );
}
