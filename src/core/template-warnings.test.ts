import { describe, expect, it } from "vitest";
import { missingPlaceholders, type TemplateContext } from "./rendering.js";

const context = (data: Record<string, unknown>): TemplateContext => ({
  data,
  subscriber: { id: "s1", name: "Alice", locale: "ru" },
  event: { id: "e1", type: "order.status_changed" },
  notification: { id: "n1" },
});

describe("placeholders that resolve to nothing", () => {
  it("names each empty placeholder by field, once, and nothing for what is filled", () => {
    const content = { title: "Заказ №{{data.order}}", body: "Курьер {{data.courier}} будет через {{data.eta}} минут, {{data.eta}}", url: "https://shop.example/{{data.order}}" };
    expect(missingPlaceholders(content, context({ order: 1234, courier: "Алмаз" }), "channels.realtime")).toEqual([
      { path: "channels.realtime.body", message: "{{data.eta}} resolves to nothing with this data, so it renders empty" },
    ]);
    expect(missingPlaceholders(content, context({ order: 1234, courier: "Алмаз", eta: 8 }), "channels.realtime")).toEqual([]);
  });

  it("follows what renders: a branch not taken, helpers, each-blocks and raw placeholders", () => {
    const content = {
      body: '{{#if (eq data.status "assembling")}}about {{data.minutes}} min{{else}}{{data.courier}}{{/if}} {{#each data.items}}{{name}}×{{qty}} {{/each}}{{{data.html}}}{{uppercase subscriber.name}}{{default data.gift "none"}}',
      actions: [{ action: "track", title: "Track {{data.track}}" }],
    };
    const warnings = missingPlaceholders(content, context({ status: "courier", items: [{ name: "tea" }] }), "channels.push");
    expect(warnings.map((w) => `${w.path} ${w.message.split(" ")[0]}`)).toEqual([
      "channels.push.body {{data.courier}}",
      "channels.push.body {{qty}}",
      "channels.push.body {{data.html}}",
      "channels.push.actions.0.title {{data.track}}",
    ]);
  });
});
