import type { Herald } from "../../src/core/engine.js";
import { TEST_API_KEY } from "./server.js";

/**
 * Calls a Herald created in the test process (no server, no port): JSON in, `{status, body}` out,
 * with the API key unless another token is given. For tests that drive the clock and the outbox by hand.
 */
export function inProcessApi(herald: () => Pick<Herald, "app">) {
  return async (method: string, path: string, body?: unknown, token = TEST_API_KEY) => {
    const response = await herald().app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}
