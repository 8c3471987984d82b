/**
 * Herald's default MJML email layout. A template whose `mjml` is a fragment (no `<mjml>` root) is
 * placed in it; a full `<mjml>` document that never mentions `notification.unsubscribeUrl` gets the
 * footer added before `</mj-body>`, so every non-transactional email shows a way out (the engine
 * sets `notification.unsubscribeUrl` only for non-critical messages, so the footer hides itself on
 * receipts and security messages).
 *
 * @example
 * // channels.email.mjml as stored in a template:
 * // <mj-section><mj-column><mj-text>Order {{data.order}} is on its way</mj-text></mj-column></mj-section>
 */
export interface EmailLayoutOptions {
  /** MJML body sections (`<mj-section>`, `<mj-wrapper>`, …). */
  body: string;
  /** Inbox preview line (`<mj-preview>`); Handlebars allowed. */
  preview?: string;
  /** Text of the unsubscribe link; Handlebars allowed (e.g. a localized string from `data`). */
  unsubscribeText?: string;
}

const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/** The footer with the visible unsubscribe link, shown only when Herald passes an unsubscribe URL. */
export function unsubscribeFooter(text = "Unsubscribe from these emails"): string {
  return `{{#if notification.unsubscribeUrl}}
    <mj-section padding="8px 0 24px">
      <mj-column>
        <mj-text align="center" font-size="12px" color="#6b7280">
          You get this email because of your notification settings.
          <a href="{{notification.unsubscribeUrl}}" style="color:#6b7280;text-decoration:underline">${text}</a>
        </mj-text>
      </mj-column>
    </mj-section>
    {{/if}}`;
}

/** A complete MJML document: head defaults, a white card for `body`, and the unsubscribe footer. */
export function emailLayout(options: EmailLayoutOptions): string {
  return `<mjml>
  <mj-head>
    <mj-attributes>
      <mj-all font-family="${FONT}" />
      <mj-text font-size="15px" line-height="1.5" color="#111827" />
      <mj-button background-color="#2563eb" color="#ffffff" border-radius="6px" font-weight="600" />
    </mj-attributes>
    ${options.preview ? `<mj-preview>${options.preview}</mj-preview>` : ""}
  </mj-head>
  <mj-body background-color="#f3f4f6" width="600px">
    <mj-wrapper background-color="#ffffff" padding="16px 0" border-radius="8px">
      ${options.body}
    </mj-wrapper>
    ${unsubscribeFooter(options.unsubscribeText)}
  </mj-body>
</mjml>`;
}

/** True when `mjml` is a fragment meant for the default layout rather than a whole document. */
export function isMjmlFragment(mjml: string): boolean {
  return !/<mjml[\s>]/i.test(mjml);
}

/** Wraps a fragment in the layout, or adds the footer to a full document that lacks an unsubscribe link. */
export function withEmailLayout(mjml: string): string {
  if (isMjmlFragment(mjml)) return emailLayout({ body: mjml });
  if (mjml.includes("notification.unsubscribeUrl")) return mjml;
  const end = mjml.lastIndexOf("</mj-body>");
  return end < 0 ? mjml : mjml.slice(0, end) + unsubscribeFooter() + mjml.slice(end);
}
