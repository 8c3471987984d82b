import { sha256 } from "@noble/hashes/sha2.js";
import type { DeliveryContext } from "../../store/repositories/deliveries.js";
import type { Store } from "../../store/index.js";
import { toHex, utf8 } from "../../lib/encoding.js";
import { parseDuration } from "../duration.js";
import { eventDocument } from "../planner.js";
import type { Digest } from "../schemas/rule.js";
import { fillPlaceholders } from "./path.js";

/** `digest.events` holds at most this many events unless the step's `max` says otherwise. */
export const DEFAULT_DIGEST_MAX = 50;

/** What a template sees as `digest`: each event's `data`, oldest first (newest last). */
export interface DigestView {
  id: string;
  count: number;
  events: Record<string, unknown>[];
  first: Record<string, unknown> | null;
  last: Record<string, unknown> | null;
}

/** What a digest step's delivery does now. */
export type DigestDecision =
  /** Another delivery carries the digest this event joined. */
  | { joined: string }
  /** This delivery carries an open digest: wait until its window ends. */
  | { holdUntil: number; id: string }
  /** Every event of the digest was seen (`until: "seen"`): nothing to send. */
  | { empty: string }
  | { send: DigestView };

/**
 * A `digest` step. Each event's delivery joins the open digest of its scope (rule, subscriber, step
 * and the filled `key`), or opens one and becomes its carrier. The window is fixed: it opens with the
 * first event and the carrier sends when it ends, so the first event waits at most `window` (a
 * sliding window that restarts with each event could hold a busy conversation back forever).
 *
 * Durable and exactly-once: joining is one transaction keyed by the delivery, so a job re-run after a
 * crash finds the digest it joined; the carrier closes the digest (committed) before it reads the
 * events, so a later event opens the next digest instead of slipping into one being sent. The
 * digest's id is derived from its scope and opening time; the carrier's delivery records the send.
 */
export async function digestStep(store: Store, ctx: DeliveryContext, spec: Digest, now: number): Promise<DigestDecision> {
  const key = spec.key === undefined ? "" : keyText(fillPlaceholders(spec.key, eventDocument(ctx.event)));
  const scope = hex(JSON.stringify([ctx.notification.ruleId, ctx.notification.subscriberId, ctx.delivery.step, key])).slice(0, 32);
  const windowMs = parseDuration(spec.window) ?? 0;
  const digest = await store.workflow.joinDigest({
    deliveryId: ctx.delivery.id,
    notificationId: ctx.notification.id,
    eventId: ctx.event.id,
    scope,
    subscriberId: ctx.notification.subscriberId,
    candidateId: digestId(scope, now),
    now,
    sendAt: now + windowMs,
  });
  if (digest.carrierId !== ctx.delivery.id) return { joined: digest.id };
  if (digest.status === "open" && now < digest.sendAt) return { holdUntil: digest.sendAt, id: digest.id };
  if (digest.status === "open") await store.workflow.closeDigest(digest.id);
  const contents = await store.workflow.digestContents(digest.id, { unseenOnly: spec.until === "seen", max: spec.max ?? DEFAULT_DIGEST_MAX });
  if (contents.count === 0) return { empty: digest.id };
  const events = contents.events.map((e) => dataOf(e.body));
  return { send: { id: digest.id, count: contents.count, events, first: contents.first ? dataOf(contents.first.body) : null, last: events.at(-1) ?? null } };
}

/** A digest's id: its scope (rule, subscriber, step, key) and the start of its window. */
export function digestId(scope: string, openedAt: number): string {
  return `dgs_${Math.max(0, Math.floor(openedAt)).toString(36).padStart(9, "0")}${hex(JSON.stringify([scope, openedAt])).slice(0, 24)}`;
}

function keyText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function dataOf(body: unknown): Record<string, unknown> {
  const data = (body as { data?: unknown } | null)?.data;
  return data && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

function hex(text: string): string {
  return toHex(sha256(utf8(text)));
}
