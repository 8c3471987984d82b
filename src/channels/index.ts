import type { AnyChannel } from "../core/channels/define.js";
import { mattermostChannel } from "./mattermost/mattermost.js";
import { realtimeChannel } from "./realtime/realtime.js";
import { pushChannel } from "./push/push.js";
import { smsChannel } from "./sms/sms.js";
import { emailChannel } from "./email/email.js";
import { slackChannel } from "./slack/slack.js";
import { discordChannel } from "./discord/discord.js";
import { telegramChannel } from "./telegram/telegram.js";
import { webhookChannel } from "./webhook/webhook.js";

/**
 * Every channel plugin Herald ships. Email here speaks the HTTP API only (it runs on Workers); Node
 * and Deno register `socketChannels` (socket-channels.ts) instead, whose email adds SMTP through nodemailer.
 */
export const builtInChannels: AnyChannel[] = [realtimeChannel, pushChannel, emailChannel, smsChannel, mattermostChannel, slackChannel, discordChannel, telegramChannel, webhookChannel];
