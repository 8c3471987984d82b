import type { AnyChannel } from "../core/channels/define.js";
import { socketChannels } from "./socket-channels.js";

/**
 * Every channel with all its configuration, as documented: the Node and Deno set (email with SMTP
 * as well as the HTTP API, a superset of the Workers set). Built for reading declarations only;
 * the lookup is never called.
 */
export function documentedChannels(): AnyChannel[] {
  return socketChannels({ guardedLookup: () => Promise.reject(new Error("documentation only")) } as unknown as Parameters<typeof socketChannels>[0]);
}
