import type { AnyChannel } from "../core/channels/define.js";
import { createSmtpEmailChannel } from "./email/smtp.js";
import { builtInChannels } from "./index.js";
import type { GuardedLookup } from "./email/smtp-socket.js";

/** What a runtime with TCP sockets lends the channels that open them. */
export interface SocketIo {
  /** A DNS lookup for `net.connect` whose every answer passes the SSRF guard's check (runtimes/shared/guarded-lookup.ts). */
  guardedLookup: GuardedLookup;
}

/**
 * The built-in channels for runtimes that can open TCP sockets (Node, Deno): email also speaks SMTP.
 * Kept out of index.ts so the Worker bundle never pulls in nodemailer.
 *
 * @example
 * createHerald({ channels: socketChannels({ guardedLookup: checkedLookup }), … })
 */
export function socketChannels(io: SocketIo): AnyChannel[] {
  const email = createSmtpEmailChannel(io.guardedLookup);
  return builtInChannels.map((channel) => (channel.id === email.id ? email : channel));
}
