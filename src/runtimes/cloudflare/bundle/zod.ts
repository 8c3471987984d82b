// Stands in for `zod` in the Worker bundle (wrangler.toml [alias]). @hono/zod-openapi passes zod's
// `z` namespace as a value (`extendZodWithOpenApi(z)`), so esbuild keeps every export of it, and
// with them `z.locales` and `z.core.locales`: 64 translations of zod's messages (364 KiB), of which
// Herald uses two and imports them by file (src/core/http/problem-i18n.ts: English, Russian). This
// module is that namespace with the same members, except that both `locales` hold English only.
// @ts-nocheck: the module imports its own namespace, which TypeScript calls circular (TS2303);
// esbuild, which is all that reads this file, builds it as intended.
import * as z from "./zod.js";

export * from "zod/v4";
export * as core from "./zod-core.js";
export * as locales from "./zod-locales.js";
export { z, z as default };
