/**
 * Differential corpus: every case must render the same with Herald's
 * renderer and with `Handlebars.compile` (see renderer.test.ts).
 */
import { basicCases } from "./corpus-basics.js";
import { blockCases } from "./corpus-blocks.js";
import { helperCases } from "./corpus-helpers.js";
import { partialCases } from "./corpus-partials.js";
import { securityCases } from "./corpus-security.js";
import type { CorpusCase } from "./corpus-types.js";

export type { CorpusCase } from "./corpus-types.js";
export { securityCases };

export const corpus: CorpusCase[] = [...basicCases, ...blockCases, ...helperCases, ...partialCases, ...securityCases];
