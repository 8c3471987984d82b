import type { AnyChannel } from "../core/channels/define.js";
import { mattermostChannel } from "./mattermost.js";
import { realtimeChannel } from "./realtime.js";
import { pushChannel } from "./push.js";
import { smsChannel } from "./sms.js";
import { emailChannel } from "./email.js";

/**
 * Every channel plugin Herald ships. Email here speaks the HTTP API only (it runs on Workers); Node
 * and Deno register `socketChannels` (socket-channels.ts) instead, whose email adds SMTP through nodemailer.
 */
export const builtInChannels: AnyChannel[] = [realtimeChannel, pushChannel, emailChannel, smsChannel, mattermostChannel];
