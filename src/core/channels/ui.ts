/**
 * How the admin UI shows a channel's template content. Optional in a declaration: the form is
 * derived from the content schema (field names, required, length limits) and these hints only
 * refine it. The admin UI has no code per channel; it renders whatever GET /v1/admin/channels says.
 */

/** How a content field is edited: one line, several lines, a link, MJML source, buttons (JSON), other JSON. */
export type FieldKind = "text" | "textarea" | "url" | "mjml" | "actions" | "json";

export interface FieldHint {
  kind?: FieldKind;
  /** Shown above the field; the field's name when left out. */
  label?: string;
  /** What a new template starts with in this field (email: an MJML skeleton). */
  initial?: string;
  /** Shown in the empty field. */
  placeholder?: string;
}

/**
 * The preview's shape, one of a few the admin UI knows: `notification` (a phone notification:
 * title, body, image, buttons, link), `inbox` (an in-app list item: title, body), `bubble` (a text
 * message: body), `message` (a chat post: body), `email` (title as the subject, html in a sandboxed
 * frame). Without a preview hint the rendered content is shown as JSON.
 */
export type PreviewLayout = "notification" | "inbox" | "bubble" | "message" | "email";

/** The parts a preview layout draws. */
export type PreviewPart = "title" | "body" | "image" | "actions" | "url" | "html";

export interface PreviewHint {
  layout: PreviewLayout;
  /** Which rendered fields fill the layout's parts, where their names differ from the parts' (SMS: `{body: "text"}`). */
  parts?: Partial<Record<PreviewPart, string>>;
  /**
   * Parts the recipient's app reads as HTML limited to a few tags (Telegram's `parse_mode: HTML`):
   * the preview formats those tags and shows everything else in them as its text. A tag may require
   * a class (`span.tg-spoiler`); `a` keeps an http(s) `href` only. Every other part is shown as
   * text: a plain-text field (`plainTextFields`) exactly as rendered, an HTML-escaped one with its
   * entities decoded (what Slack's mrkdwn and Markdown show). The `email` layout's `html` is always
   * a sandboxed frame.
   */
  html?: Partial<Record<Exclude<PreviewPart, "html">, string[]>>;
  /**
   * A line under the preview from the facts `describe` returns, by admin UI language, `en` the
   * fallback: `{en: "{encoding}, {segments} segment(s)"}`. Without it the facts are listed as they are.
   */
  details?: Record<string, string>;
}

export interface ChannelUi {
  fields?: Record<string, FieldHint>;
  preview?: PreviewHint;
}
