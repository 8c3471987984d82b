import type mjml2htmlType from "mjml";
import type { CompileResult, ContentProblem } from "../../core/channels/define.js";
import { withEmailLayout } from "../../templates/email-layout.js";

/** What the engine renders per message after `compile`: the subject as text, the body as HTML with placeholders. */
export interface CompiledEmail {
  subject: string;
  html: string;
}

// Handlebars comments may contain "}}", so they are matched first; triple-stash before double.
const MUSTACHE = /\{\{!--[\s\S]*?--\}\}|\{\{\{[\s\S]*?\}\}\}|\{\{[\s\S]*?\}\}/g;

// MJML components whose content is HTML, not MJML: text there is kept as written.
const ENDING_TAGS = new Set([
  "mj-text", "mj-button", "mj-raw", "mj-table", "mj-navbar-link", "mj-accordion-title", "mj-accordion-text",
  "mj-social-element", "mj-title", "mj-preview", "mj-style", "mj-html-attribute",
]);
const MJML_TAG = /<!--[\s\S]*?-->|<(\/?)(mjml|mj-[a-z-]+)\b(?:"[^"]*"|'[^']*'|[^'">])*?(\/?)>/gi;

/**
 * MJML into HTML that still holds the template's Handlebars placeholders, so MJML runs once per
 * template version and never per recipient.
 *
 * Placeholders are swapped for inert alphanumeric tokens before MJML sees the source and put back
 * after, because MJML (an XML parser, a validator, juice and an attribute formatter) would otherwise
 * break `{{link "a"}}` inside attributes, drop text such as `{{#each}}` standing between components,
 * and reject `color="{{data.color}}"`. Tokens between components are wrapped in `<mj-raw>` so a
 * block helper may repeat or hide whole sections and columns. Validation errors about an attribute
 * holding a placeholder are dropped: its value is only known per message.
 */
export async function compileEmail(content: { subject: string; mjml: string }): Promise<CompileResult> {
  const source = withEmailLayout(content.mjml);
  // MJML counts lines of the whole document; the author wrote only their part. A fragment sits inside
  // the layout this many lines down (a full document keeps its lines: the footer goes in after them).
  const at = source.indexOf(content.mjml);
  const linesBefore = at > 0 ? source.slice(0, at).split("\n").length - 1 : 0;
  const authorLines = content.mjml.split("\n").length;
  const where = (line: number) => (line - linesBefore >= 1 && line - linesBefore <= authorLines ? `line ${line - linesBefore}` : "the default layout");
  const nonce = freshNonce(source);
  const originals: string[] = [];
  const protectedSource = placeTokensInRaw(
    source.replace(MUSTACHE, (m) => `hbs${nonce}x${originals.push(m) - 1}y`),
    new RegExp(`hbs${nonce}x\\d+y`, "g"),
  );
  const token = new RegExp(`hbs${nonce}x(\\d+)y`, "g");
  const restore = (text: string) => text.replace(token, (_, i: string) => originals[Number(i)] ?? "");

  let result: Awaited<ReturnType<typeof mjml2htmlType>>;
  try {
    const mjml2html = await loadMjml();
    // ignoreIncludes: a template must never read server files (mj-include); fonts: no Google Fonts
    // links added behind the author's back (a request to a third party from every reader's inbox).
    result = await mjml2html(protectedSource, { validationLevel: "soft", ignoreIncludes: true, fonts: {} });
  } catch (error) {
    return { ok: false, problems: [{ path: "mjml", message: restore((error as Error).message ?? String(error)) }] };
  }
  const holdsPlaceholder = new RegExp(`hbs${nonce}x\\d+y`);
  const problems: ContentProblem[] = result.errors
    .filter((e) => !(/^Attribute /.test(e.message) && holdsPlaceholder.test(e.message)))
    .map((e) => ({ path: "mjml", message: `${where(e.line)}: ${restore(e.message).trim()}` }));
  if (!/<mj-body[\s>]/i.test(source)) problems.push({ path: "mjml", message: "the document has no <mj-body>" });
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, content: { subject: content.subject, html: restore(result.html) } satisfies CompiledEmail };
}

/** A token prefix that cannot occur in the source by accident. */
function freshNonce(source: string): string {
  for (;;) {
    const nonce = Math.random().toString(36).slice(2, 10);
    if (!source.includes(`hbs${nonce}`)) return nonce;
  }
}

/**
 * Text directly inside a container component (mj-body, mj-section, mj-column, …) is dropped by MJML;
 * placeholder tokens there go into `<mj-raw>`, which MJML emits in place and in order.
 */
function placeTokensInRaw(source: string, token: RegExp): string {
  const stack: string[] = [];
  let out = "";
  let last = 0;
  MJML_TAG.lastIndex = 0;
  for (let m = MJML_TAG.exec(source); m; m = MJML_TAG.exec(source)) {
    const text = source.slice(last, m.index);
    out += stack.length > 0 ? text.replace(token, (t) => `<mj-raw>${t}</mj-raw>`) : text;
    last = MJML_TAG.lastIndex;
    const [whole, closing, rawName, selfClosing] = m;
    const name = (rawName ?? "").toLowerCase();
    if (whole.startsWith("<!--")) {
      out += whole;
    } else if (!closing && !selfClosing && ENDING_TAGS.has(name)) {
      // Copy the component's HTML content untouched, up to its closing tag.
      const end = source.toLowerCase().indexOf(`</${name}`, last);
      const stop = end < 0 ? source.length : end;
      out += whole + source.slice(last, stop);
      last = MJML_TAG.lastIndex = stop;
      stack.push(name); // popped by its closing tag, the next match
    } else {
      out += whole;
      if (closing) stack.pop();
      else if (!selfClosing) stack.push(name);
    }
  }
  return out + source.slice(last);
}

// MJML is large (≈650 KB gzipped on Workers) and only needed when a template is compiled, which
// happens once per template version: load it then, not at start-up (a Worker's cold start, and
// test pools that never send email, skip it).
let mjml: Promise<typeof mjml2htmlType> | undefined;
function loadMjml(): Promise<typeof mjml2htmlType> {
  mjml ??= import("mjml").then((m) => ((m as { default?: typeof mjml2htmlType }).default ?? (m as unknown as typeof mjml2htmlType)));
  return mjml;
}
