/**
 * The version of Herald's HTTP API (OpenAPI `info.version`). The browser SDK declares the version
 * it speaks (`API_VERSION` in src/client/herald.js) and the npm package `herald-sdk` carries it as
 * its own version; tests/integration/sdk-package.test.ts keeps the three equal.
 */
export const API_VERSION = "1.0.0";
