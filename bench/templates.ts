/**
 * Renders per second of a typical push template: Herald's renderer (no code
 * generation) against `Handlebars.compile` (generated JavaScript), both
 * compiled once. Run: npx tsx bench/templates.ts
 */
import Handlebars from "handlebars";
import { compileTemplate, defaultHelpers } from "../src/templates/index.js";

const source = `{{#if data.urgent}}⚠️ {{/if}}Order {{data.orderId}}: {{data.status}}
Hi {{subscriber.name}}, your {{data.itemCount}} items for {{formatCurrency data.total "RUB"}} are {{data.status}}.
{{#each data.actions}}[{{title}}]({{url}}){{#unless @last}} · {{/unless}}{{/each}}`;

const context = {
  subscriber: { id: "s1", name: "Ирина <Admin>", locale: "ru-RU", timezone: "Europe/Moscow" },
  event: { id: "e1", type: "order.shipped" },
  data: {
    urgent: true,
    orderId: "A-1042",
    status: "shipped",
    itemCount: 3,
    total: 12990.5,
    actions: [
      { title: "Track", url: "https://shop.test/track/A-1042" },
      { title: "Reorder", url: "https://shop.test/reorder/A-1042" },
      { title: "Help", url: "https://shop.test/help?order=A-1042&lang=ru" },
    ],
  },
};

function measure(render: () => string, ms = 1500): number {
  for (let i = 0; i < 2000; i++) render(); // warm up the JIT
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 500; i++) render();
    count += 500;
    elapsed = performance.now() - start;
  }
  return (count / elapsed) * 1000;
}

const herald = compileTemplate(source);
const official = Handlebars.create();
official.registerHelper(defaultHelpers);
const compiled = official.compile(source);

const ours = herald.render(context, { helpers: defaultHelpers });
if (ours !== compiled(context)) throw new Error(`outputs differ:\n${ours}\n---\n${compiled(context)}`);

const results = [
  ["herald renderer (interpreter)", measure(() => herald.render(context, { helpers: defaultHelpers }))],
  ["Handlebars.compile (codegen)", measure(() => compiled(context))],
] as const;

console.log(`template (${source.length} chars) renders:\n${ours}\n`);
for (const [name, perSecond] of results) console.log(`${name.padEnd(32)} ${Math.round(perSecond).toLocaleString("en-US").padStart(12)} renders/s`);
console.log(`ratio: ${(results[0][1] / results[1][1]).toFixed(2)}x of Handlebars.compile (Node ${process.version})`);
