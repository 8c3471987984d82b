/** Browser surfaces the SDK tests script: WebSocket, EventSource, localStorage, fetch answers, tokens. */

/** A scripted WebSocket: the test opens, feeds and closes it. */
export class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  onmessage?: (e: { data: string }) => void;
  onclose?: () => void;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
    this.onclose?.();
  }
  feed(frame: object) {
    this.readyState = 1;
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

export class FakeEventSource {
  static all: FakeEventSource[] = [];
  listeners = new Map<string, (e: { data: string }) => void>();
  onerror?: () => void;
  closed = false;
  constructor(public url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(type: string, fn: (e: { data: string }) => void) {
    this.listeners.set(type, fn);
  }
  close() {
    this.closed = true;
  }
  emit(type: string, data: object) {
    this.listeners.get(type)?.({ data: JSON.stringify(data) });
  }
}

export const item = (seq: number, id = `ntf_${seq}`) => ({ id, seq, type: "notification", topic: null, title: `t${seq}`, body: "", data: {} });
export const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
export const tick = () => new Promise((r) => setTimeout(r, 5));

/** localStorage's surface over a Map: what the outbox keeps, visible to the test. */
export function memoryStorage() {
  const data = new Map<string, string>();
  return { data, getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), removeItem: (k: string) => void data.delete(k) };
}
/** A token as Herald issues them: the subscriber in its first part. */
export const tokenFor = (sub: string) => `${Buffer.from(JSON.stringify({ sub, exp: 4e9 })).toString("base64url")}.mac`;
