/** Test clients for the live stream: SSE over fetch (with headers) and WebSocket (ws). */
import WebSocket from "ws";

export interface SseEvent {
  event: string;
  id?: string;
  data: any;
}

export interface LiveClient<T> {
  events: T[];
  /** Resolves when `predicate` holds for the events so far. */
  until(predicate: (events: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  close(): void;
}

function waiter<T>(events: T[]) {
  const waiting = new Set<() => void>();
  return {
    notify: () => waiting.forEach((w) => w()),
    until(predicate: (events: T[]) => boolean, timeoutMs = 10_000): Promise<T[]> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!predicate(events)) return;
          waiting.delete(check);
          clearTimeout(timer);
          resolve(events);
        };
        const timer = setTimeout(() => {
          waiting.delete(check);
          reject(new Error(`timed out; got ${JSON.stringify(events).slice(0, 2000)}`));
        }, timeoutMs);
        waiting.add(check);
        check();
      });
    },
  };
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<LiveClient<SseEvent> & { status: number; ended: Promise<"ended" | "failed"> }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
  const events: SseEvent[] = [];
  const w = waiter(events);
  let ended: Promise<"ended" | "failed"> = Promise.resolve("ended");
  if (response.ok && response.body) {
    // "ended": the server finished the stream; "failed": the connection broke (or the client aborted).
    ended = (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const fields: Record<string, string> = {};
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) continue;
              const i = line.indexOf(":");
              fields[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, "");
            }
            if (fields.event || fields.data) {
              events.push({ event: fields.event ?? "message", id: fields.id, data: fields.data ? JSON.parse(fields.data) : undefined });
              w.notify();
            }
          }
        }
      } catch {
        return "failed" as const;
      }
      return "ended" as const;
    })();
  }
  return { status: response.status, events, until: w.until, close: () => controller.abort(), ended };
}

export async function openWs(url: string): Promise<LiveClient<any> & { socket: WebSocket; send(frame: unknown): void; closed: Promise<{ code: number }> }> {
  const socket = new WebSocket(url);
  const events: any[] = [];
  const w = waiter(events);
  socket.on("message", (data) => {
    events.push(JSON.parse(String(data)));
    w.notify();
  });
  const closed = new Promise<{ code: number }>((resolve) => socket.on("close", (code) => resolve({ code })));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
    socket.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return { socket, events, until: w.until, send: (frame) => socket.send(JSON.stringify(frame)), close: () => socket.close(), closed };
}
