/**
 * The request/response side of the SDK: the inbox (`herald.notifications`), rooms
 * (`herald.rooms`) and preferences (`herald.preferences`). The live side is ./herald.js.
 */

const enc = encodeURIComponent;

/** `{a: 1, b: undefined}` → `a=1`: the query of a list call, leaving out what was not given. */
const query = (params) =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `${k}=${enc(String(v))}`)
    .join("&");

/**
 * The notifications this client received live, oldest first, as an array (so `herald.notifications`
 * reads as it always did), with the inbox API as its methods. Derived arrays (`map`, `filter`)
 * are plain arrays.
 */
export class NotificationList extends Array {
  static get [Symbol.species]() {
    return Array;
  }

  /** @param herald the Herald client whose requests and state these methods use */
  static of(herald) {
    const list = new NotificationList();
    Object.defineProperty(list, "_herald", { value: herald, enumerable: false });
    return list;
  }

  /**
   * One page of the inbox. `before` pages back newest first (infinite scroll; `"latest"` for the
   * first page); `after` walks forward oldest first. `type` defaults to notifications; `"all"` includes room messages.
   * Answers `{items, next, head}`: `next` is the cursor of the following page (null at the end),
   * `head` the newest seq of the stream, where a live connection picks up without a gap.
   */
  list({ after, before, limit = 20, type = "notification", unread, archived } = {}) {
    const q = query({ after, before, limit, type: type === "all" ? undefined : type, unread, archived });
    return this._herald._fetch("GET", `/v1/me/notifications?${q}`);
  }

  markSeen(id) {
    return this._herald.markSeen(id);
  }

  markRead(id) {
    return this._herald.markRead(id);
  }

  /** Records a click on it, or on one of its buttons (`action`), for the delivery statistics. */
  clicked(id, action) {
    return this._herald._fetch("POST", `/v1/me/notifications/${enc(id)}/clicked`, { action: action ?? null });
  }

  /** Marks it unread again; the badge counts it. */
  markUnread(id) {
    return this._herald._mark(id, "unread");
  }

  /** Archives it (which also reads it). */
  archive(id) {
    return this._herald._mark(id, "archive");
  }

  unarchive(id) {
    return this._herald._mark(id, "unarchive");
  }

  /** Marks every notification read (room messages stay as they are); resolves to how many it marked. */
  markAllRead() {
    return this._herald._markAll("notification");
  }
}

/** Rooms the subscriber belongs to (`herald.rooms`). */
export function roomsApi(herald) {
  return {
    /** `[{key, name, allowMessages, unread}]`; also refreshes `herald.counts.rooms`. */
    async list() {
      const { items } = await herald._fetch("GET", "/v1/me/topics");
      herald._setCounts({ rooms: Object.fromEntries(items.filter((r) => r.unread > 0).map((r) => [r.key, r.unread])) });
      return items;
    },
    /** Unread messages in a room, as last known (live). */
    unread: (topic) => herald.counts.rooms[topic] ?? 0,
  };
}

/** The subscriber's own name, locale and time zone. */
export const profile = (herald) => herald._fetch("GET", "/v1/me/profile");

/** The subscriber's preferences (`herald.preferences`): channels, categories, quiet hours. */
export function preferencesApi(herald) {
  return {
    /** `{channels?, categories?, quietHours?}`: only what was changed; everything else is allowed. */
    get: () => herald._fetch("GET", "/v1/me/preferences"),
    /** A JSON merge patch (`null` removes a key); resolves to the preferences now. */
    patch: (change) => herald._fetch("PATCH", "/v1/me/preferences", change),
    /** The switches to offer: `{channels: [{id, title}], categories: [{id, title}]}`. */
    options: () => herald._fetch("GET", "/v1/me/preferences/options"),
  };
}
