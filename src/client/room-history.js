/**
 * Room history: the Herald methods `history` (one page, merged into `messages(topic)`) and the
 * catch-up that pages back after a reconnect until it meets a message it has.
 */
const enc = encodeURIComponent;

/** Methods of Herald (`this` is the client). */
export const roomHistory = {
  /** One page of room history, merged into `messages(topic)` (herald.d.ts). */
  async history(topic, options = {}) {
    return this._mergeHistory(await this._historyPage(topic, options));
  },

  async _historyPage(topic, { before, beforeMessage, limit = 50 }) {
    const from = beforeMessage ? `&beforeMessage=${enc(beforeMessage)}` : before ? `&before=${enc(before)}` : "";
    return (await this._fetch("GET", `/v1/me/topics/${enc(topic)}/messages?limit=${limit}${from}`)).items;
  },

  _mergeHistory(items) {
    for (const m of items) {
      // Seen before: only its receipts may have moved on.
      if (this._seen.add(m.id)) this._message(m);
      else if (this._isMine(m)) this._message({ id: m.id, clientMessageId: m.clientMessageId, topic: m.topic, sender: m.sender, status: m.status });
    }
    return items;
  },

  /**
   * Pages back (from a message: they can share a millisecond) until it meets one it has, so a reconnect
   * leaves no gap; merges oldest first, in the server's order. What came before a failed page is shown
   * all the same, and the next catch-up pages back to where this one started, over the gap it left.
   */
  async _catchUp(topic) {
    this._resumeFrom ??= new Map();
    const known = this._resumeFrom.get(topic) ?? this.messages(topic).filter((m) => m.id).at(-1);
    const pages = [];
    try {
      for (let beforeMessage, items; ; beforeMessage = items[0].id) {
        items = await this._historyPage(topic, { beforeMessage, limit: 100 });
        pages.unshift(items);
        if (!known || items.length < 100 || items[0].createdAt < known.createdAt || items.some((m) => m.id === known.id)) break;
      }
      this._resumeFrom.delete(topic);
    } catch (error) {
      if (known) this._resumeFrom.set(topic, known);
      throw error;
    } finally {
      for (const items of pages) this._mergeHistory(items);
    }
  },
};
