/**
 * A real SMTP server (`smtp-server`) that parses what it receives with `mailparser`. It requires
 * AUTH PLAIN/LOGIN with the credentials in `url`, offers no STARTTLS (loopback only), and can be
 * told to answer the next transaction with an SMTP error or to stall it, as a real relay does when
 * it is throttling (421/451), rejecting a recipient (550) or wedged.
 */
import type { AddressInfo } from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  mail: ParsedMail;
  /** Raw message source, for header checks mailparser normalises away. */
  raw: string;
  at: number;
}

export interface SmtpStep {
  /** Answer with this SMTP reply code instead of accepting. */
  reply?: number;
  /** At which command the reply comes: MAIL FROM, RCPT TO (default for 5xx) or after DATA (default for 4xx). */
  at?: "mail" | "rcpt" | "data";
  /** Stall the MAIL FROM reply this long. */
  delayMs?: number;
}

export interface SmtpPeer {
  port: number;
  /** `smtp://user:pass@127.0.0.1:<port>`: what SMTP_URL is set to. */
  url: string;
  received: ReceivedMail[];
  /** Next transactions' behaviour, used up one by one. */
  script: SmtpStep[];
  /** Rejects these recipients with 550 5.1.1 at RCPT TO, every time. */
  unknownUsers: Set<string>;
  /** Notification ids of accepted messages (the X-Herald-Notification-Id header), in order. */
  acceptedIds(): string[];
  close(): Promise<void>;
}

const USER = "herald";
const PASS = "s3cret-pw";

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

const TEXTS: Record<number, string> = {
  421: "4.3.2 Service shutting down, try again later",
  450: "4.2.1 Mailbox busy, try again later",
  451: "4.7.1 Local error in processing, try again later",
  452: "4.3.1 Insufficient system storage",
  550: "5.1.1 The email account that you tried to reach does not exist",
  552: "5.3.4 Message size exceeds fixed maximum message size",
  554: "5.7.1 Message rejected as spam",
};

/** `port`: listen on this one (a peer that comes back after an outage, on the address the channel knows). */
export async function startSmtpPeer(options: { port?: number } = {}): Promise<SmtpPeer> {
  const peer = { received: [] as ReceivedMail[], script: [] as SmtpStep[], unknownUsers: new Set<string>() };
  // One step per transaction, taken at MAIL FROM and kept on the session for RCPT and DATA.
  const steps = new WeakMap<object, SmtpStep>();
  const server = new SMTPServer({
    name: "peer.smtp.test",
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    hideSTARTTLS: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    // Channels under test keep pooled connections open; close() should not wait the default 30 s for them.
    closeTimeout: 100,
    size: 10 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASS) callback(null, { user: USER });
      else callback(smtpError(535, "5.7.8 Authentication credentials invalid"));
    },
    onMailFrom(_address, session, callback) {
      const step = peer.script.shift() ?? {};
      steps.set(session, step);
      const answer = () => {
        if (step.reply && step.at === "mail") callback(smtpError(step.reply, TEXTS[step.reply] ?? "error"));
        else callback();
      };
      if (step.delayMs) setTimeout(answer, step.delayMs);
      else answer();
    },
    onRcptTo(address, session, callback) {
      const step = steps.get(session) ?? {};
      if (peer.unknownUsers.has(address.address.toLowerCase())) return callback(smtpError(550, TEXTS[550]!));
      if (step.reply && (step.at ?? (step.reply >= 500 ? "rcpt" : "data")) === "rcpt") return callback(smtpError(step.reply, TEXTS[step.reply] ?? "error"));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", async () => {
        const step = steps.get(session) ?? {};
        if (step.reply && (step.at ?? (step.reply >= 500 ? "rcpt" : "data")) === "data") return callback(smtpError(step.reply, TEXTS[step.reply] ?? "error"));
        const raw = Buffer.concat(chunks).toString("utf8");
        try {
          const mail = await simpleParser(raw);
          peer.received.push({
            envelope: { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "", to: session.envelope.rcptTo.map((r) => r.address) },
            mail,
            raw,
            at: Date.now(),
          });
          callback(null, `2.0.0 Ok: queued as ${peer.received.length}`);
        } catch (error) {
          callback(smtpError(554, `5.6.0 unparseable message: ${(error as Error).message}`));
        }
      });
    },
  });
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(peer, {
    port,
    url: `smtp://${USER}:${PASS}@127.0.0.1:${port}`,
    acceptedIds: () => peer.received.map((r) => String(r.mail.headers.get("x-herald-notification-id") ?? "")),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
