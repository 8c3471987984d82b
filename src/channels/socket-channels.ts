import type { AnyChannel } from "../core/channels/define.js";
import { smtpEmailChannel } from "./email-smtp.js";
import { builtInChannels } from "./index.js";

/**
 * The built-in channels for runtimes that can open TCP sockets (Node, Deno): email also speaks SMTP.
 * Kept out of index.ts so the Worker bundle never pulls in nodemailer.
 */
export const socketChannels: AnyChannel[] = builtInChannels.map((channel) => (channel.id === smtpEmailChannel.id ? smtpEmailChannel : channel));
