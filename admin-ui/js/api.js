// The admin UI talks to the ordinary /v1 API with its session cookie; state changes carry the
// session's CSRF token, which lives only in this module's memory (never in a cookie or storage).
import { currentLang } from "./i18n.js";

let csrf = null;
let onLoggedOut = () => {};

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
    this.errors = problem?.errors ?? [];
  }
}

export function setLoggedOutHandler(fn) {
  onLoggedOut = fn;
}

export async function api(method, path, body) {
  // Problem details come back in the UI's language (title, detail and each field error).
  const headers = { accept: "application/json", "accept-language": currentLang() };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrf) headers["x-herald-csrf"] = csrf;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = { detail: text };
  }
  if (response.status === 401 && path !== "/v1/admin/login") {
    csrf = null;
    onLoggedOut();
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

/** Without a session: where the password comes from ({from, shownIn, setWith}), for the login page. */
let passwordSetup = null;

/** Whether a session exists (after a reload): picks up its CSRF token. */
export async function resume() {
  const session = await api("GET", "/v1/admin/session");
  csrf = session.authenticated ? session.csrfToken : null;
  passwordSetup = session.authenticated ? null : (session.password ?? null);
  return session.authenticated;
}

/** What the server said about the admin password when no HERALD_ADMIN_PASSWORD is set (else null). */
export function generatedPasswordSetup() {
  return passwordSetup?.from === "generated" ? passwordSetup : null;
}

export async function login(password) {
  csrf = (await api("POST", "/v1/admin/login", { password })).csrfToken;
}

export async function logout() {
  try {
    await api("POST", "/v1/admin/logout");
  } finally {
    csrf = null;
  }
}
