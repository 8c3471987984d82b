import type { HeraldPlugin } from "../core/plugins.js";
import { supportTicketsPlugin } from "./support-tickets.js";

/** Plugins Herald ships and runs by default. */
export const builtInPlugins: HeraldPlugin[] = [supportTicketsPlugin];
