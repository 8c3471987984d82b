import type { Store } from "../store/index.js";
import type { AudienceSource } from "../store/repositories/subscriber-search.js";
import type { ChannelRegistry } from "./channels/registry.js";
import { MAX_FIELD_AUDIENCE } from "./broadcasts.js";

/** Subscribers read per query while counting reach. */
const PAGE = 2500;
/**
 * Subscribers whose addresses are checked, at most, in one count: past it the reach is extrapolated
 * from them. One count is one request, and its work is bounded on every runtime: 1 + 40 queries
 * fit a free Worker's 50, whatever the audience's size (a million subscribers read whole took
 * 2,001 queries, past even the paid plan's 1,000).
 */
export const MAX_CHECKED = 100_000;

export interface AudienceReach {
  /** Subscribers in the audience (a field audience: at most MAX_FIELD_AUDIENCE + 1, which says "too many"). */
  total: number;
  /** True when the audience is larger than MAX_CHECKED and `reachable` is extrapolated from the first MAX_CHECKED (in id order). */
  estimated: boolean;
  /** Subscribers whose addresses were checked (all of them, unless `estimated`; none when no channel has addresses). */
  sampled: number;
  channels: { channel: string; reachable: number; checked: boolean }[];
}

/**
 * How many a broadcast would reach, per channel, without sending: what the admin shows before it
 * asks to confirm. A channel with no address to check (push devices, live connections) reaches
 * "up to" everyone (`checked: false`).
 */
export async function audienceReach(deps: { store: Store; channels: ChannelRegistry }, audience: AudienceSource, asked?: string[]): Promise<AudienceReach> {
  const { store, channels } = deps;
  const counted = await store.subscriberSearch.audienceCount(audience);
  const total = "field" in audience ? Math.min(counted, MAX_FIELD_AUDIENCE + 1) : counted;
  const addressed = (asked ?? channels.ids()).map((name) => ({ name, address: channels.get(name)?.definition.address }));
  const reach = new Map(addressed.map((a) => [a.name, 0]));
  let checked = 0;
  if (addressed.some((a) => a.address)) {
    const limit = Math.min(total, MAX_CHECKED);
    for (let after = ""; checked < limit; ) {
      const page = await store.subscriberSearch.audiencePage(audience, after, Math.min(PAGE, limit - checked));
      if (page.length === 0) break;
      for (const subscriber of page) for (const { name, address } of addressed) if (address?.(subscriber)) reach.set(name, reach.get(name)! + 1);
      checked += page.length;
      after = page[page.length - 1]!.id;
    }
  }
  const estimated = checked > 0 && checked < total;
  return {
    total,
    estimated,
    sampled: checked,
    channels: addressed.map(({ name, address }) => ({
      channel: name,
      reachable: !address ? total : estimated ? Math.round((reach.get(name)! * total) / checked) : reach.get(name)!,
      checked: Boolean(address),
    })),
  };
}
