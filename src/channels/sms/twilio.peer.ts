/**
 * A server that behaves as Twilio's Messages API documents it (twilio-messages.openapi.json and
 * twilio.com/docs/messaging/api/message-resource):
 * `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth (account SID, auth token),
 * form-encoded `To` (required), `From` or `MessagingServiceSid`, `Body`, `StatusCallback`; answers
 * 201 with the Message resource (`sid`, `status` queued/accepted, …), and errors as Twilio's JSON
 * document `{code, message, more_info, status}`. Twilio's test-credential magic numbers fail as the real
 * service does (+15005550001 invalid, +15005550002 unroutable, +15005550003 no permission,
 * +15005550004 opted out, +15005550009 not a mobile).
 *
 * It can then call the message's `StatusCallback` as Twilio does: a form POST signed with
 * `X-Twilio-Signature`, computed here with node:crypto, independently of Herald's verifier.
 */
import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { nextStep, readBody } from "../shared/scripted.peer.js";

export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  /** `x-herald-notification-id`, which Twilio ignores and Herald sends. */
  notificationId: string | undefined;
  headers: IncomingMessage["headers"];
  at: number;
}

export interface TwilioPeer {
  url: string;
  accountSid: string;
  authToken: string;
  from: string;
  messages: TwilioMessage[];
  /** Next answers, used up one by one: a status (with a Twilio code and Retry-After) or a delay. */
  script: { status?: number; code?: number; retryAfter?: string; delayMs?: number }[];
  /** Added to every answer. */
  latencyMs: number;
  /** Env that points Herald's sms channel here. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Posts a signed status callback for a message to its StatusCallback (or `url`), as Twilio does. */
  sendStatus(sid: string, status: string, options?: { errorCode?: number; url?: string }): Promise<Response>;
  close(): Promise<void>;
}

/** Twilio's documented signature: base64 HMAC-SHA1 (auth token) of the URL + params sorted by name, name+value each. */
export function twilioSign(authToken: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join("");
  return createHmac("sha1", authToken).update(data, "utf8").digest("base64");
}

const MAGIC_FAILURES: Record<string, { code: number; message: string }> = {
  "+15005550001": { code: 21211, message: "Invalid 'To' Phone Number: +15005550001" },
  "+15005550002": { code: 21612, message: "The 'To' phone number: +15005550002, is not currently reachable using the 'From' phone number via SMS." },
  "+15005550003": { code: 21408, message: "Permission to send an SMS has not been enabled for the region indicated by the 'To' number: +15005550003." },
  "+15005550004": { code: 21610, message: "Attempt to send to unsubscribed recipient" },
  "+15005550009": { code: 21614, message: "'To' number is not a valid mobile number" },
};

const SCRIPTED: Record<number, { code: number; message: string }> = {
  400: { code: 21602, message: "Message body is required." },
  401: { code: 20003, message: "Authenticate" },
  404: { code: 20404, message: "The requested resource was not found" },
  429: { code: 20429, message: "Too Many Requests" },
  500: { code: 20500, message: "Internal Server Error" },
  503: { code: 20503, message: "Service Unavailable" },
};

function problem(code: number, message: string, status: number) {
  return JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

/** A rough count for `num_segments`, kept independent from Herald's counter (no extension-table boundary rule). */
function roughSegments(body: string): number {
  const gsm = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\]|€\f]*$/.test(body);
  const units = gsm ? [...body].reduce((n, c) => n + ("^{}\\[~]|€\f".includes(c) ? 2 : 1), 0) : body.length;
  const [single, multi] = gsm ? [160, 153] : [70, 67];
  return units <= single ? 1 : Math.ceil(units / multi);
}

export async function startTwilioPeer(): Promise<TwilioPeer> {
  const accountSid = `AC${randomBytes(16).toString("hex")}`;
  const authToken = randomBytes(16).toString("hex");
  const from = "+15005550006";
  const messages: TwilioMessage[] = [];
  const peer = { messages, script: [] as TwilioPeer["script"], latencyMs: 0 };
  let counter = 0;

  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const step = await nextStep(peer);
    const fail = (status: number, code: number, message: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(problem(code, message, status));
    };
    if (step?.status) {
      const known = SCRIPTED[step.status] ?? { code: 20000 + step.status, message: `scripted ${step.status}` };
      return fail(step.status, step.code ?? known.code, known.message, step.retryAfter ? { "retry-after": step.retryAfter } : {});
    }

    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? "");
    if (!match) return fail(404, 20404, "The requested resource was not found");
    // Basic auth: the account SID as user name, the auth token as password.
    const auth = req.headers.authorization ?? "";
    const decoded = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString("utf8") : "";
    if (decoded !== `${accountSid}:${authToken}`) return fail(401, 20003, "Authenticate", { "www-authenticate": 'Basic realm="Twilio API"' });
    if (decodeURIComponent(match[1]!) !== accountSid) return fail(404, 20404, `The requested resource /2010-04-01/Accounts/${match[1]}/Messages.json was not found`);
    if (req.method !== "POST") return fail(405, 20004, "Method not allowed");

    const form = (req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded") ? new URLSearchParams(raw) : new URLSearchParams();
    const to = form.get("To");
    const body = form.get("Body");
    const fromParam = form.get("From");
    const service = form.get("MessagingServiceSid");
    const callback = form.get("StatusCallback");
    if (!to) return fail(400, 21604, "A 'To' phone number is required.");
    if (!/^\+[1-9]\d{1,14}$/.test(to)) return fail(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    if (!fromParam && !service) return fail(400, 21603, "A 'From' phone number is required.");
    if (service && !/^MG[0-9a-fA-F]{32}$/.test(service)) return fail(400, 21701, "The Messaging Service Sid is invalid.");
    if (!body) return fail(400, 21602, "Message body is required.");
    if (body.length > 1600) return fail(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
    if (callback !== null) {
      try {
        const u = new URL(callback);
        if (!/^https?:$/.test(u.protocol) || u.hostname.includes("_")) throw new Error("bad");
      } catch {
        return fail(400, 21609, `The StatusCallback URL ${callback} is not a valid URL.`);
      }
    }
    const magic = MAGIC_FAILURES[to];
    if (magic) return fail(400, magic.code, magic.message);

    const sid = `SM${(++counter).toString(16).padStart(8, "0")}${randomBytes(12).toString("hex")}`;
    const notificationId = req.headers["x-herald-notification-id"];
    messages.push({
      sid,
      to,
      from: fromParam,
      messagingServiceSid: service,
      body,
      statusCallback: callback,
      notificationId: typeof notificationId === "string" ? notificationId : undefined,
      headers: req.headers,
      at: Date.now(),
    });
    const now = new Date().toUTCString().replace("GMT", "+0000");
    res.writeHead(201, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        account_sid: accountSid,
        api_version: "2010-04-01",
        body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from: fromParam,
        messaging_service_sid: service,
        num_media: "0",
        num_segments: String(roughSegments(body)),
        price: null,
        price_unit: "USD",
        sid,
        status: service ? "accepted" : "queued",
        subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
        to,
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      }),
    );
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(peer, {
    url,
    accountSid,
    authToken,
    from,
    env: (extra: Record<string, string> = {}) => ({ TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: authToken, TWILIO_FROM: from, TWILIO_API_URL: url, ...extra }),
    async sendStatus(sid: string, status: string, options: { errorCode?: number; url?: string } = {}) {
      const message = messages.find((m) => m.sid === sid);
      if (!message) throw new Error(`no message ${sid}`);
      const target = options.url ?? message.statusCallback;
      if (!target) throw new Error(`message ${sid} has no StatusCallback`);
      // The fields Twilio posts to a message status callback.
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: "2010-04-01",
        From: message.from ?? "",
        MessageSid: sid,
        MessageStatus: status,
        SmsSid: sid,
        SmsStatus: status,
        To: message.to,
        ...(message.messagingServiceSid ? { MessagingServiceSid: message.messagingServiceSid } : {}),
        ...(options.errorCode !== undefined ? { ErrorCode: String(options.errorCode) } : {}),
      };
      return fetch(target, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": twilioSign(authToken, target, params), "user-agent": "TwilioProxy/1.1" },
        body: new URLSearchParams(params).toString(),
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
