import type { AnyChannel } from "../core/channels/define.js";
import { mattermostChannel } from "./mattermost.js";
import { realtimeChannel } from "./realtime.js";
import { pushChannel } from "./push.js";
import { smsChannel } from "./sms.js";

/** Every channel plugin Herald ships. */
export const builtInChannels: AnyChannel[] = [realtimeChannel, pushChannel, mattermostChannel, smsChannel];
