/**
 * Who has live connections, so that live frames go only to inbox objects with someone to send them
 * to. A broadcast to 10,000 subscribers of whom 200 are connected then calls 200 objects, not
 * 10,000 (each call a subrequest, and each object created on first use). Each inbox object keeps
 * its subscriber's row in `live_connections`: written before a new connection reads its backlog,
 * so an item committed before the hub looked for connections is in that backlog, and one committed
 * after is sent live. A row left by an object that vanished costs one call, which removes it.
 */
import type { Env } from "./env.js";

/** Ids per lookup: one JSON parameter each. */
const LOOKUP_CHUNK = 5000;

/** Of these subscribers, those with live connections (in their order). */
export async function connectedOf(env: Env, subscriberIds: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < subscriberIds.length; i += LOOKUP_CHUNK) {
    const part = subscriberIds.slice(i, i + LOOKUP_CHUNK);
    const { results } = await env.DB.prepare("SELECT subscriber_id AS id FROM live_connections WHERE subscriber_id IN (SELECT value FROM json_each(?))")
      .bind(JSON.stringify(part))
      .all<{ id: string }>();
    for (const row of results) found.add(row.id);
  }
  return found;
}

/** Records how many live connections the subscriber has now (none: the row goes). */
export async function recordPresence(env: Env, subscriberId: string, connections: number): Promise<void> {
  if (connections > 0) {
    await env.DB.prepare(
      "INSERT INTO live_connections (subscriber_id, connections, updated_at) VALUES (?, ?, ?) ON CONFLICT (subscriber_id) DO UPDATE SET connections = excluded.connections, updated_at = excluded.updated_at",
    )
      .bind(subscriberId, connections, Date.now())
      .run();
  } else {
    await env.DB.prepare("DELETE FROM live_connections WHERE subscriber_id = ?").bind(subscriberId).run();
  }
}
