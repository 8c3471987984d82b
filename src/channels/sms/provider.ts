import type { SendContext, SendResult, WebhookRequest, WebhookResult } from "../../core/channels/define.js";

/** What an SMS provider is given: a checked E.164 number, final text, and the id receivers de-duplicate by. */
export interface SmsRequest {
  to: string;
  text: string;
  notificationId: string;
}

/** One way of handing an SMS to a carrier (Twilio, a local HTTP gateway). */
export interface SmsProvider {
  id: "twilio" | "gateway";
  send(request: SmsRequest, ctx: SendContext): Promise<SendResult>;
  /** Status callbacks, for providers that send them. */
  webhook?(request: WebhookRequest, ctx: SendContext): Promise<WebhookResult>;
}
