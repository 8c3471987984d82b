import { HeraldError } from "../errors.js";
import { resolveConfig, type ConfigSchema, type ConfigValues } from "./config.js";
import type { AnyChannel, ChannelInstance } from "./define.js";
import type { EngineServices } from "./services.js";

export interface RegisteredChannel {
  definition: AnyChannel;
  /** Absent when required configuration is missing; `missing` then names it. */
  instance?: ChannelInstance<unknown>;
  missing: string[];
}

export interface ChannelRegistry {
  get(id: string): RegisteredChannel | undefined;
  ids(): string[];
  /** Every registered declaration, configured or not, in registration order. */
  definitions(): AnyChannel[];
  /**
   * The secret configuration as set (values of `secret` fields), and the names it goes by (field
   * and variable names), for the logger to mask wherever they appear.
   */
  secrets(): { names: string[]; values: string[] };
  /** Configuration as safe to show: secrets masked. */
  describe(): { id: string; title: string; configured: boolean; missing: string[]; config: Record<string, unknown> }[];
}

/**
 * Reads each channel's configuration from `env` using the fields' `env` names and builds the
 * configured instances. Malformed values throw at start-up (fail early); a channel with required
 * values simply absent is registered as not configured, so rules can still name it.
 */
export function createChannelRegistry(definitions: AnyChannel[], env: Record<string, string | undefined>, services: Partial<EngineServices> = {}): ChannelRegistry {
  const offered: EngineServices = { ...noServices, ...services };
  const channels = new Map<string, RegisteredChannel & { values: Record<string, unknown> }>();
  for (const definition of definitions) {
    if (channels.has(definition.id)) throw new HeraldError("duplicate_channel", `channel "${definition.id}" is registered twice`);
    const resolved = resolveConfig(definition.id, definition.config, env);
    const { values } = resolved;
    const missing = resolved.missing.length > 0 ? resolved.missing : (definition.missing?.(values as ConfigValues<ConfigSchema>) ?? []);
    const instance = missing.length === 0 ? definition.create(values as ConfigValues<ConfigSchema>, servicesFor(definition, offered)) : undefined;
    channels.set(definition.id, { definition, instance, missing, values });
  }
  return {
    get: (id) => channels.get(id),
    ids: () => [...channels.keys()],
    definitions: () => [...channels.values()].map((c) => c.definition),
    secrets: () => {
      const names: string[] = [];
      const values: string[] = [];
      for (const c of channels.values()) {
        for (const [name, field] of Object.entries(c.definition.config)) {
          if (!field.secret) continue;
          names.push(name, ...(field.env ? [field.env] : []));
          if (typeof c.values[name] === "string") values.push(c.values[name]);
        }
      }
      return { names: [...new Set(names)], values: [...new Set(values)] };
    },
    describe: () =>
      [...channels.values()].map((c) => ({
        id: c.definition.id,
        title: c.definition.title,
        configured: c.instance !== undefined,
        missing: c.missing,
        config: Object.fromEntries(
          Object.entries(c.values).map(([k, v]) => [k, c.definition.config[k]?.secret && v !== undefined ? "[redacted]" : v]),
        ),
      })),
  };
}

/** `links` for every channel; the services it names in `needs`; nothing else, even by accident. */
function servicesFor(definition: AnyChannel, offered: EngineServices) {
  const given: Record<string, unknown> = { links: offered.links };
  for (const name of definition.needs ?? []) given[name] = offered[name];
  return given as unknown as EngineServices;
}

const noServices: EngineServices = {
  realtime: {
    deliverNotification: () => Promise.reject(new Error("the real-time inbox is not available here")),
  },
  push: {
    vapid: { publicKey: "", privateKey: "", subject: "" },
    subscriptions: () => Promise.reject(new Error("push subscriptions are not available here")),
    remove: () => Promise.reject(new Error("push subscriptions are not available here")),
    succeeded: () => Promise.resolve(),
    unreadCount: () => Promise.resolve(0),
    receiptToken: () => Promise.reject(new Error("subscriber tokens are not available here")),
  },
  links: {
    publicUrl: () => "http://127.0.0.1:8787",
    webhook: (channelId) => `http://127.0.0.1:8787/v1/channels/${channelId}/webhook`,
  },
};
