import { HeraldError } from "../errors.js";
import { resolveConfig, type ConfigSchema, type ConfigValues } from "./config.js";
import type { AnyChannel, ChannelInstance, DeclaredAddress } from "./define.js";
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
  /** Subscriber fields channels declare (`address: {field}`), in registration order. */
  addressFields(): (DeclaredAddress & { channel: string })[];
  /** Configuration as safe to show: secrets masked. */
  describe(): { id: string; title: string; configured: boolean; missing: string[]; config: Record<string, unknown> }[];
}

/**
 * Reads each channel's configuration from `env` using the fields' `env` names and builds the
 * configured instances. Malformed values throw at start-up (fail early); a channel with required
 * values simply absent is registered as not configured, so rules can still name it.
 */
export function createChannelRegistry(definitions: AnyChannel[], env: Record<string, string | undefined>, services: Partial<EngineServices> = {}): ChannelRegistry {
  const offered: Required<EngineServices> = { ...noServices, ...services };
  const channels = new Map<string, RegisteredChannel & { values: Record<string, unknown> }>();
  for (const definition of definitions) {
    if (channels.has(definition.id)) throw new HeraldError("duplicate_channel", `channel "${definition.id}" is registered twice`);
    const resolved = resolveConfig(definition.id, definition.config, env);
    const { values } = resolved;
    const missing = resolved.missing.length > 0 ? resolved.missing : (definition.missing?.(values as ConfigValues<ConfigSchema>) ?? []);
    const instance = missing.length === 0 ? definition.create(values as ConfigValues<ConfigSchema>, servicesFor(definition, offered)) : undefined;
    channels.set(definition.id, { definition, instance, missing, values });
  }
  const addressFields = declaredAddresses(definitions);
  return {
    get: (id) => channels.get(id),
    ids: () => [...channels.keys()],
    definitions: () => [...channels.values()].map((c) => c.definition),
    addressFields: () => addressFields,
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

/** The subscriber's fixed fields (and the API's own): no channel may declare one of these. */
const FIXED_SUBSCRIBER_FIELDS = new Set(["id", "name", "email", "phone", "locale", "timezone", "data", "topics", "createdAt", "updatedAt"]);

/** What a declared address is: an object; a function reads a fixed field instead. */
export function declaredAddress(definition: AnyChannel): DeclaredAddress | undefined {
  return definition.addressField;
}

/** The declared address fields, checked: camelCase, not a fixed field, each declared by one channel. */
function declaredAddresses(definitions: AnyChannel[]): (DeclaredAddress & { channel: string })[] {
  const out: (DeclaredAddress & { channel: string })[] = [];
  for (const definition of definitions) {
    const address = declaredAddress(definition);
    if (!address) continue;
    const { field } = address;
    if (!/^[a-z][a-zA-Z0-9]{0,39}$/.test(field)) throw new HeraldError("bad_address_field", `channel "${definition.id}" declares address field "${field}": use camelCase letters and digits`, { pluginId: definition.id });
    if (FIXED_SUBSCRIBER_FIELDS.has(field)) throw new HeraldError("bad_address_field", `channel "${definition.id}" declares address field "${field}", a fixed subscriber field`, { pluginId: definition.id });
    const other = out.find((a) => a.field === field);
    if (other) throw new HeraldError("bad_address_field", `channels "${other.channel}" and "${definition.id}" both declare address field "${field}"`, { pluginId: definition.id });
    out.push({ ...address, channel: definition.id });
  }
  return out;
}

/** `links` for every channel; the services it names in `needs`; nothing else, even by accident. */
function servicesFor(definition: AnyChannel, offered: Required<EngineServices>) {
  const given: Record<string, unknown> = { links: offered.links };
  for (const name of definition.needs ?? []) given[name] = offered[name];
  return given as unknown as Required<EngineServices>;
}

const noServices: Required<EngineServices> = {
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
  addresses: {
    link: () => Promise.reject(new Error("address links are not available here")),
    moved: () => Promise.reject(new Error("addresses cannot be changed here")),
  },
  links: {
    publicUrl: () => "http://127.0.0.1:8787",
    webhook: (channelId) => `http://127.0.0.1:8787/v1/channels/${channelId}/webhook`,
  },
};
