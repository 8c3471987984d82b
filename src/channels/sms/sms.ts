import { z } from "@hono/zod-openapi";
import { defineChannel, type SendResult } from "../../core/channels/define.js";
import { E164 } from "../../core/schemas/common.js";
import { createGatewayProvider, DEFAULT_GATEWAY_BODY } from "./gateway.js";
import type { SmsProvider } from "./provider.js";
import { limitLength } from "./length-limit.js";
import { countSegments } from "./segments.js";
import { createTwilioProvider } from "./twilio.js";
import { failover } from "../../core/channels/failover.js";

/** `channels.sms` of a template: the text message. */
export const SmsContent = z.strictObject({ text: z.string().max(2000) });

/**
 * SMS through Twilio or a generic HTTP gateway, chosen by configuration (`SMS_PROVIDER`, else Twilio
 * when `TWILIO_ACCOUNT_SID` is set, else the gateway when `SMS_GATEWAY_URL` is set).
 *
 * Length policy: a text longer than `SMS_MAX_SEGMENTS` parts (default 10, Twilio's advice), than
 * `SMS_MAX_CHARACTERS` when set, or than Twilio's own cap of 1,600 characters is refused as a final,
 * non-retryable `too_long` failure by default, because a silently shortened order or login message can
 * mislead; `SMS_OVER_LIMIT=truncate` cuts it instead, between code points, to the longest prefix that
 * fits (see sms/length-limit.ts). The engine's own truncation (`limits.bodyMaxLength`) is left unset
 * on purpose: it counts code points, not what carriers bill.
 */
export const smsChannel = defineChannel({
  id: "sms",
  title: "SMS",
  config: {
    provider: {
      type: "string",
      choices: ["twilio", "gateway"],
      env: "SMS_PROVIDER",
      description: "Which provider sends; default: twilio when TWILIO_ACCOUNT_SID is set, else gateway when SMS_GATEWAY_URL is set",
    },
    providers: {
      type: "string",
      pattern: /(twilio|gateway)(,(twilio|gateway))*/,
      patternHint: "provider names in failover order, e.g. twilio,gateway",
      env: "SMS_PROVIDERS",
      description: "Failover order, e.g. `twilio,gateway`: a retryable failure or an open circuit sends through the next; overrides SMS_PROVIDER",
    },
    breakerFailures: { type: "integer", min: 1, default: 3, env: "SMS_BREAKER_FAILURES", description: "With SMS_PROVIDERS: retryable failures in a row that open a provider's circuit" },
    breakerCooldownMs: { type: "integer", min: 1, default: 30_000, env: "SMS_BREAKER_COOLDOWN_MS", description: "With SMS_PROVIDERS: how long an open provider is skipped before one trial send" },
    accountSid: { type: "string", pattern: /AC[0-9a-fA-F]{32}/, patternHint: "AC followed by 32 hex digits", env: "TWILIO_ACCOUNT_SID", description: "Twilio account SID" },
    authToken: { type: "string", secret: true, env: "TWILIO_AUTH_TOKEN", description: "Twilio auth token: authenticates requests and verifies status callbacks" },
    from: { type: "string", env: "TWILIO_FROM", description: "Sender: a Twilio number in E.164, a short code or an alphanumeric sender id" },
    messagingServiceSid: {
      type: "string",
      pattern: /MG[0-9a-fA-F]{32}/,
      patternHint: "MG followed by 32 hex digits",
      env: "TWILIO_MESSAGING_SERVICE_SID",
      description: "Twilio Messaging Service that picks the sender; instead of or with TWILIO_FROM",
    },
    apiUrl: { type: "url", default: "https://api.twilio.com", env: "TWILIO_API_URL", description: "Twilio REST API base URL" },
    statusCallback: { type: "boolean", default: true, env: "SMS_STATUS_CALLBACK", description: "Ask Twilio to report delivery to <public url>/v1/channels/sms/webhook" },
    gatewayUrl: { type: "url", secret: true, env: "SMS_GATEWAY_URL", description: "Generic gateway endpoint (may carry a key in its query)" },
    gatewayMethod: { type: "string", choices: ["GET", "POST", "PUT", "PATCH"], default: "POST", env: "SMS_GATEWAY_METHOD", description: "HTTP method of the gateway call; GET sends the fields in the query" },
    gatewayHeaders: { type: "string", secret: true, env: "SMS_GATEWAY_HEADERS", description: 'Extra headers as a JSON object, e.g. {"authorization":"Bearer …"}' },
    gatewayBody: { type: "string", default: DEFAULT_GATEWAY_BODY, env: "SMS_GATEWAY_BODY", description: "JSON template of the fields; string values may use {{to}}, {{text}} and {{id}}. Shown to admins: keep credentials in SMS_GATEWAY_URL or SMS_GATEWAY_HEADERS" },
    gatewayFormat: { type: "string", choices: ["json", "form"], default: "json", env: "SMS_GATEWAY_FORMAT", description: "Body encoding: JSON, or form (application/x-www-form-urlencoded); ignored for GET" },
    gatewayIdPath: { type: "string", env: "SMS_GATEWAY_ID_PATH", description: "Dotted path of the gateway's message id in its JSON answer, e.g. data.messageId" },
    maxSegments: { type: "integer", min: 1, default: 10, env: "SMS_MAX_SEGMENTS", description: "Longest SMS allowed, in billed parts (153 GSM-7 or 67 UCS-2 units each)" },
    maxCharacters: { type: "integer", min: 1, env: "SMS_MAX_CHARACTERS", description: "Longest SMS allowed, in characters (code points); unset: only SMS_MAX_SEGMENTS applies" },
    overLimit: {
      type: "string",
      choices: ["refuse", "truncate"],
      default: "refuse",
      env: "SMS_OVER_LIMIT",
      description: "For a text over SMS_MAX_SEGMENTS or SMS_MAX_CHARACTERS: refuse it (final failure too_long) or truncate it",
    },
    ratePerSecond: { type: "integer", min: 1, env: "SMS_RATE_PER_SECOND", description: "The provider account's cap in messages per second: sends are spaced to it (per process)" },
    timeoutMs: { type: "integer", min: 1, default: 10_000, env: "SMS_TIMEOUT_MS", description: "Per-request timeout, in milliseconds" },
  },
  // Concatenated SMS are billed per part; the limit lives in SMS_MAX_SEGMENTS, not in bodyMaxLength (see above).
  limits: { concurrency: 16 },
  content: SmsContent,
  ui: { preview: { layout: "bubble", parts: { body: "text" }, details: { en: "{characters} characters, {encoding}, {segments} segment(s)", ru: "символов: {characters}, {encoding}, сегментов: {segments}" } } },
  broadcast: { content: (c) => ({ text: `${c.title}: ${c.body}${c.url ? `\n${c.url}` : ""}` }) },
  plainTextFields: ["text"],
  quietHours: "defer",
  address: (subscriber) => subscriber.phone,
  describe: (rendered) => (typeof rendered.text === "string" ? { ...countSegments(rendered.text) } : {}),
  // Absent settings leave the channel registered as not configured (as a missing required field would);
  // malformed ones throw when the configuration is read (their declarations above).
  missing(config) {
    if (config.providers) return providerList(config.providers).flatMap((name) => missingFor(name, config));
    const choice = providerChoice(config);
    if (choice === undefined) return ["TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or SMS_GATEWAY_URL"];
    return missingFor(choice, config);
  },
  create(config, services) {
    // Every value is checked against its declaration before this runs, and `missing` above has
    // made sure each chosen provider has what it needs.
    const { maxSegments, maxCharacters, overLimit, timeoutMs } = config;
    const build = (choice: "twilio" | "gateway"): SmsProvider =>
      choice === "twilio"
        ? createTwilioProvider({
            accountSid: config.accountSid!,
            authToken: config.authToken!,
            from: config.from,
            messagingServiceSid: config.messagingServiceSid,
            apiUrl: config.apiUrl,
            statusCallback: config.statusCallback === false ? undefined : () => services.links.webhook("sms"),
            timeoutMs,
          })
        : createGatewayProvider({
            url: config.gatewayUrl!,
            method: config.gatewayMethod,
            headers: config.gatewayHeaders,
            body: config.gatewayBody,
            format: config.gatewayFormat,
            idPath: config.gatewayIdPath,
            timeoutMs,
          });
    const names = config.providers ? providerList(config.providers) : [providerChoice(config)].filter((c) => c !== undefined);
    const providers = names.map(build);
    // Several: in order behind a failover; Twilio's 1,600-character cap applies when Twilio may send.
    const chain = providers.length > 1 ? failover(providers.map((p) => ({ name: p.id, send: p.send.bind(p) })), { failures: config.breakerFailures, coolDownMs: config.breakerCooldownMs }) : undefined;
    const provider: Pick<SmsProvider, "send"> | undefined = chain ?? providers[0];
    const twilio = providers.find((p) => p.id === "twilio");
    const webhook = providers.find((p) => p.webhook)?.webhook;

    return {
      async send(message, ctx): Promise<SendResult> {
        if (!provider) {
          return { ok: false, code: "not_configured", message: "SMS is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM, or SMS_GATEWAY_URL", retryable: false };
        }
        const to = message.address ?? message.subscriber.phone;
        if (!to) return { ok: false, code: "no_address", message: "the subscriber has no phone number", retryable: false, undeliverable: true };
        if (!E164.safeParse(to).success) {
          return { ok: false, code: "invalid_address", message: "the subscriber's phone number is not in E.164 form (+ and up to 15 digits)", retryable: false, undeliverable: true };
        }
        if (message.content.text.trim() === "") return { ok: false, code: "empty_message", message: "the rendered SMS text is empty", retryable: false };
        // Twilio refuses bodies over 1,600 characters (error 21617); counted in UTF-16 units to be safe.
        const limited = limitLength(message.content.text, { maxSegments, maxCharacters, providerMaxUnits: twilio ? 1600 : undefined, policy: overLimit });
        if (!limited.ok) return { ok: false, code: "too_long", message: limited.message, retryable: false };
        return provider.send({ to, text: limited.text, notificationId: message.notificationId }, ctx);
      },
      ...(webhook ? { webhook } : {}),
      ...(config.ratePerSecond ? { ratePerSecond: config.ratePerSecond } : {}),
    };
  },
});

const providerList = (text: string) => [...new Set(text.split(","))] as ("twilio" | "gateway")[];

function missingFor(choice: "twilio" | "gateway", config: { accountSid?: string; authToken?: string; from?: string; messagingServiceSid?: string; gatewayUrl?: string }): string[] {
    if (choice === "gateway") return config.gatewayUrl ? [] : ["SMS_GATEWAY_URL"];
    return [
      ...(config.accountSid ? [] : ["TWILIO_ACCOUNT_SID"]),
      ...(config.authToken ? [] : ["TWILIO_AUTH_TOKEN"]),
      ...(config.from || config.messagingServiceSid ? [] : ["TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"]),
    ];
}

/** SMS_PROVIDER, else Twilio when its account is set, else the gateway when its URL is. */
function providerChoice(config: { provider?: "twilio" | "gateway"; accountSid?: string; gatewayUrl?: string }): "twilio" | "gateway" | undefined {
  return config.provider ?? (config.accountSid ? "twilio" : config.gatewayUrl ? "gateway" : undefined);
}
