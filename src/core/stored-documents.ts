/**
 * The shapes of the JSON documents the store keeps whole, declared to the store (src/store/documents.ts)
 * from their zod schemas: the store types its records with them without importing core.
 */
import type { EventInput } from "./schemas/event.js";
import type { RuleInput } from "./schemas/rule.js";
import type { TemplateInput } from "./schemas/template.js";

declare module "../store/documents.js" {
  interface StoredDocuments {
    rule: RuleInput;
    template: TemplateInput;
    event: Omit<EventInput, "id">;
  }
}
