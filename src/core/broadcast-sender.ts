import type { Store } from "../store/index.js";
import {
  adHocChannels,
  AD_HOC_TEMPLATE_PREFIX,
  adHocTemplate,
  BROADCAST_EVENT,
  type BroadcastBody,
  type BroadcastInput,
  MAX_FIELD_AUDIENCE,
} from "./broadcasts.js";
import type { ChannelRegistry } from "./channels/registry.js";
import { templateBodyProblems } from "./channels/content.js";
import type { Clock } from "./clock.js";
import { MAX_STEP_DELAY_MS } from "./duration.js";
import { type FieldProblem, invalidRequest } from "./errors.js";
import { newId } from "./ids.js";
import type { AcceptOptions, NewEvent } from "./ingest.js";
import { templateChannels } from "./rendering.js";
import type { TemplateInput } from "./schemas/template.js";

/**
 * Starting broadcasts: checks what was asked for, then commits the broadcast event, its list entry
 * and any ad hoc template in one transaction. So a broadcast is listed exactly when it runs, and an
 * event the store refuses leaves no template behind.
 */
export function createBroadcastSender(deps: {
  store: Store;
  clock: Clock;
  channels: ChannelRegistry;
  acceptEvent(event: NewEvent, options?: AcceptOptions): Promise<void>;
}) {
  const { store, channels } = deps;

  /** Checks the input and decides the template key, its channels and any template to store with it. */
  async function resolve(input: BroadcastInput, id: string) {
    if ((input.template === undefined) === (input.content === undefined)) {
      throw invalidRequest("give either a stored template or ad hoc content", [{ path: "template", message: "exactly one of template and content" }]);
    }
    let key: string;
    let available: string[];
    if (input.template !== undefined) {
      const template = await store.templates.get(input.template);
      if (!template) throw invalidRequest("no such template", [{ path: "template", message: `no template "${input.template}"` }]);
      key = input.template;
      available = [...templateChannels(template.body)];
    } else {
      key = AD_HOC_TEMPLATE_PREFIX + id;
      available = adHocChannels(channels.definitions()).available;
    }
    const chosen = input.channels ?? (input.template !== undefined ? available : adHocChannels(channels.definitions()).byDefault);
    const found: FieldProblem[] = [];
    chosen.forEach((channel, i) => {
      if (!channels.get(channel)) found.push({ path: `channels.${i}`, message: `unknown channel "${channel}"` });
      else if (!available.includes(channel)) found.push({ path: `channels.${i}`, message: input.template ? `template "${input.template}" has no ${channel} content` : `ad hoc content cannot go to ${channel}` });
    });
    if (found.length > 0) throw invalidRequest("the broadcast names channels it cannot use", found);
    let adHoc: TemplateInput | undefined;
    if (input.content) {
      adHoc = { channels: adHocTemplate(input.content, chosen, (c) => channels.get(c)?.definition), description: "ad hoc broadcast content" };
      const broken = await templateBodyProblems(adHoc, (c) => channels.get(c)?.definition);
      if (broken.length > 0) throw invalidRequest("the content does not compile", broken.map((p) => ({ path: `content (${p.path})`, message: p.message })));
    }
    return { key, chosen, adHoc };
  }

  /** A field-value audience as subscriber ids, refused past MAX_FIELD_AUDIENCE (their ids travel in the event). */
  async function fieldAudience(input: BroadcastInput): Promise<string[] | undefined> {
    if (!("field" in input.audience)) return undefined;
    const subscribers = await store.subscriberSearch.idsWhere(input.audience.field, input.audience.value, MAX_FIELD_AUDIENCE + 1);
    if (subscribers.length > MAX_FIELD_AUDIENCE) {
      throw invalidRequest("the audience is too large", [{ path: "audience", message: `more than ${MAX_FIELD_AUDIENCE} subscribers match; use a topic` }]);
    }
    return subscribers;
  }

  return {
    /** Starts a broadcast (planned after the commit, at `sendAt` when given); returns its id. Bad input throws a 400 problem. */
    async send(input: BroadcastInput): Promise<string> {
      const now = deps.clock.now();
      const id = newId("bc");
      const sendAt = input.sendAt === undefined ? undefined : Date.parse(input.sendAt);
      if (sendAt !== undefined && sendAt - now > MAX_STEP_DELAY_MS) throw invalidRequest("too far ahead", [{ path: "sendAt", message: "at most 30 days ahead" }]);
      const { key, chosen, adHoc } = await resolve(input, id);
      const subscribers = await fieldAudience(input);
      const body: BroadcastBody = {
        type: BROADCAST_EVENT,
        ...("topic" in input.audience ? { topic: input.audience.topic } : {}),
        ...(subscribers ? { subscribers } : {}),
        ...(input.data ? { data: input.data } : {}),
        broadcast: { template: key, channels: chosen, ...(input.category ? { category: input.category } : {}), ...(sendAt !== undefined && sendAt > now ? { sendAt } : {}) },
      };
      const summary = {
        ...(input.template ? { template: input.template } : { title: input.content!.title }),
        audience: input.audience,
        channels: chosen,
        ...(input.category ? { category: input.category } : {}),
        ...(subscribers ? { recipients: subscribers.length } : {}),
      };
      const alongside = [...(adHoc ? store.templates.createStatements(key, adHoc, now) : []), store.broadcasts.recordStatement(id, summary, now)];
      await deps.acceptEvent({ id, type: BROADCAST_EVENT, body, receivedAt: now }, { defer: true, alongside });
      return id;
    },
  };
}

export type BroadcastSender = ReturnType<typeof createBroadcastSender>;
