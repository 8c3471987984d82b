import type { AnyChannel } from "../core/channels/define.js";
import { mattermostChannel } from "./mattermost.js";

/** Every channel plugin Herald ships, in the order rules usually escalate through them. */
export const builtInChannels: AnyChannel[] = [mattermostChannel];
