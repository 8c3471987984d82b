import { describe, expect, it } from "vitest";
import { renderContent, type TemplateContext } from "../../core/rendering.js";
import { emailLayout } from "../../templates/email-layout.js";
import { compileEmail, type CompiledEmail } from "./compile.js";

function context(data: Record<string, unknown>, unsubscribeUrl?: string): TemplateContext {
  return {
    data,
    subscriber: { id: "alice", name: "Alice", email: "alice@example.com" },
    event: { id: "evt-1", type: "order.status_changed" },
    notification: { id: "ntf-1", ...(unsubscribeUrl ? { unsubscribeUrl } : {}) },
  };
}

async function compiled(mjml: string, subject = "Order {{data.order}}"): Promise<CompiledEmail> {
  const result = await compileEmail({ subject, mjml });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.content as unknown as CompiledEmail;
}

const render = (c: CompiledEmail, ctx: TemplateContext) => renderContent(c, ctx, ["subject"]) as CompiledEmail;

describe("email compile (MJML once per template version)", () => {
  it("keeps {{#each}} inside mj-text and {{data.url}} inside href attributes working", async () => {
    const c = await compiled(`<mjml><mj-body><mj-section><mj-column>
      <mj-text>Items:{{#each data.items}}<p class="item">{{this.name}}</p>{{/each}}</mj-text>
      <mj-button href="{{data.url}}?utm=mail&amp;ref={{data.ref}}">Track</mj-button>
      <mj-image src="{{data.img}}" alt="{{data.alt}}" />
    </mj-column></mj-section></mj-body></mjml>`);
    expect(c.html).toContain("{{#each data.items}}");
    expect(c.html).toContain('href="{{data.url}}?utm=mail&amp;ref={{data.ref}}"');
    const out = render(c, context({ items: [{ name: "Tea" }, { name: "Cake" }], url: "https://shop.example/t/1", ref: "r1", img: "https://shop.example/i.png", alt: "box" }));
    expect(out.html.match(/<p class="item">[^<]*<\/p>/g)).toEqual(['<p class="item">Tea</p>', '<p class="item">Cake</p>']);
    expect(out.html).toContain('href="https://shop.example/t/1?utm=mail&amp;ref=r1"');
    expect(out.html).toContain('src="https://shop.example/i.png"');
  });

  it("lets block helpers repeat and hide whole sections", async () => {
    const c = await compiled(`<mjml><mj-body>
      {{#each data.lines}}<mj-section><mj-column><mj-text>line {{this}}</mj-text></mj-column></mj-section>{{/each}}
      {{#if data.vip}}<mj-section><mj-column><mj-text>VIP offer</mj-text></mj-column></mj-section>{{/if}}
    </mj-body></mjml>`);
    const out = render(c, context({ lines: [1, 2, 3], vip: false }));
    expect(out.html.match(/line \d/g)).toEqual(["line 1", "line 2", "line 3"]);
    expect(out.html).not.toContain("VIP offer");
  });

  it("accepts helper arguments with quotes and < inside attributes and text", async () => {
    const c = await compiled(`<mj-section><mj-column><mj-text>{{default data.note "a < b"}}</mj-text>
      <mj-button href="{{default data.url "https://shop.example/?a=1"}}" background-color="{{data.color}}">Go</mj-button></mj-column></mj-section>`);
    const out = render(c, context({ color: "#ff0000" }));
    expect(out.html).toContain("a &lt; b");
    expect(out.html).toMatch(/href="https:\/\/shop.example\/\?a&#x3D;1"/);
    expect(out.html).toContain("#ff0000");
  });

  it("refuses invalid MJML with MJML's own messages, at path mjml", async () => {
    const result = await compileEmail({ subject: "s", mjml: `<mjml><mj-body><mj-sectionx><mj-column foo="bar"><mj-text>hi</mj-text></mj-column></mj-sectionx></mj-body></mjml>` });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.every((p) => p.path === "mjml")).toBe(true);
    expect(result.problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/mj-sectionx doesn't exist or is not registered/), expect.stringMatching(/Attribute foo is illegal/)]),
    );
  });

  it("reports errors at the author's own lines, not the default layout's", async () => {
    const fragment = ["<mj-section>", "  <mj-column>", '    <mj-text color="not-a-colour">x</mj-text>', "  </mj-column>", "</mj-section>"].join("\n");
    expect(await compileEmail({ subject: "s", mjml: fragment })).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/^line 3: .*not-a-colour/) }] });
    const full = ["<mjml>", "<mj-body>", "<mj-section>", "<mj-column>", '<mj-text color="nope">x</mj-text>', "</mj-column>", "</mj-section>", "</mj-body>", "</mjml>"].join("\n");
    expect(await compileEmail({ subject: "s", mjml: full })).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/^line 5: /) }] });
  });

  it("reports a wrong literal attribute value but not one that holds a placeholder", async () => {
    const bad = await compileEmail({ subject: "s", mjml: `<mj-section><mj-column><mj-text color="not-a-colour">x</mj-text></mj-column></mj-section>` });
    expect(bad).toMatchObject({ ok: false, problems: [{ path: "mjml", message: expect.stringMatching(/color has invalid value: not-a-colour/) }] });
    const good = await compileEmail({ subject: "s", mjml: `<mj-section><mj-column><mj-text color="{{data.c}}">x</mj-text></mj-column></mj-section>` });
    expect(good.ok).toBe(true);
  });

  it("puts a fragment in the default layout with a visible unsubscribe link, only when there is an unsubscribe URL", async () => {
    const c = await compiled(`<mj-section><mj-column><mj-text>Hello {{subscriber.name}}</mj-text></mj-column></mj-section>`);
    const marketing = render(c, context({}, "https://herald.example/v1/unsubscribe/abc"));
    expect(marketing.html).toMatch(/<a href="https:\/\/herald.example\/v1\/unsubscribe\/abc"[^>]*>Unsubscribe/);
    const critical = render(c, context({}));
    expect(critical.html).not.toContain("Unsubscribe");
    expect(critical.html).toContain("Hello Alice");
  });

  it("adds the unsubscribe footer to a full document that has none, and leaves one that has it alone", async () => {
    const without = await compiled(`<mjml><mj-body><mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section></mj-body></mjml>`);
    expect(render(without, context({}, "https://h.example/u")).html).toContain('href="https://h.example/u"');
    const own = await compiled(emailLayout({ body: `<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>`, unsubscribeText: "Stop" }));
    expect(render(own, context({}, "https://h.example/u")).html.match(/https:\/\/h.example\/u/g)).toHaveLength(1);
  });

  it("escapes hostile data in the HTML", async () => {
    const c = await compiled(`<mj-section><mj-column><mj-text>Hi {{subscriber.name}}: {{data.note}}</mj-text><mj-button href="{{data.url}}">Go</mj-button></mj-column></mj-section>`);
    const out = render(c, { ...context({ note: `<script>alert(1)</script>`, url: `x" onmouseover="alert(1)` }), subscriber: { id: "s", name: "<img src=x onerror=alert(1)>" } });
    expect(out.html).not.toContain("<script>alert");
    expect(out.html).not.toContain("<img src=x");
    expect(out.html).not.toContain('" onmouseover="');
    expect(out.html).toContain("&lt;script&gt;");
  });

  it("keeps the subject as a template of its own (plain text, not escaped)", async () => {
    const c = await compiled(`<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>`, "Order {{data.order}} & more");
    expect(render(c, context({ order: "<1234>" })).subject).toBe("Order <1234> & more");
  });
});

describe("email compile, more placeholder positions", () => {
  it("keeps placeholders in the head (title, preview) and in mj-raw, and leaves mso comments in place", async () => {
    const c = await compiled(`<mjml><mj-head><mj-title>Order {{data.order}}</mj-title><mj-preview>{{data.preview}}</mj-preview></mj-head>
      <mj-body><mj-raw><!--[if mso]><p>outlook {{data.order}}</p><![endif]--></mj-raw>
      <mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section></mj-body></mjml>`);
    const out = render(c, context({ order: 9, preview: "Your order <ships>" }));
    expect(out.html).toContain("<title>Order 9</title>");
    expect(out.html).toContain("Your order &lt;ships&gt;");
    // MJML merges adjacent Outlook conditionals, so the comment's end moves; its content stays.
    expect(out.html).toContain("<!--[if mso]><p>outlook 9</p>");
  });

  it("never reads files through mj-include", async () => {
    const result = await compileEmail({ subject: "s", mjml: `<mjml><mj-body><mj-include path="/etc/passwd" /><mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section></mj-body></mjml>` });
    const text = JSON.stringify(result);
    expect(text).not.toContain("root:");
  });
});
