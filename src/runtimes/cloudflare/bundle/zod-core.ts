// `z.core` for the Worker bundle: zod's core with `locales` holding English only (see ./zod.ts).
export * from "zod/v4/core";
export * as locales from "./zod-locales.js";
