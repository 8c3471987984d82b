import type { StreamOutput } from "./session.js";
import { sseFrame } from "./frames.js";

/** Bytes a client may leave unread before it is disconnected (it resumes from its cursor). */
export const MAX_UNSENT_BYTES = 1024 * 1024;
export const HEARTBEAT_MS = 15_000;

/**
 * A Server-Sent Events response whose writer knows how much the client has not yet taken: the
 * stream's queue is measured in bytes, and a client that falls more than MAX_UNSENT_BYTES behind
 * is cut off rather than buffered without bound.
 */
export function sseResponse(start: (out: StreamOutput) => () => void, options: { heartbeatMs?: number; maxUnsentBytes?: number } = {}): Response {
  const encoder = new TextEncoder();
  const max = options.maxUnsentBytes ?? MAX_UNSENT_BYTES;
  let stop: (() => void) | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let open = true;
        const write = (text: string) => {
          if (!open) return false;
          controller.enqueue(encoder.encode(text));
          return (controller.desiredSize ?? 0) > -max;
        };
        const out: StreamOutput = {
          send(frame) {
            if (frame.type === "ready") return write(`event: ready\ndata: ${JSON.stringify({ after: frame.after })}\n\n`);
            const { event, id, data } = sseFrame(frame);
            return write(`event: ${event}\n${id ? `id: ${id}\n` : ""}data: ${data}\n\n`);
          },
          close() {
            if (!open) return;
            open = false;
            clearInterval(timer);
            controller.close();
          },
        };
        // Tells EventSource how long to wait before reconnecting; then a comment so proxies see bytes at once.
        write("retry: 2000\n: connected\n\n");
        timer = setInterval(() => write(": ping\n\n") || out.close("client too slow"), options.heartbeatMs ?? HEARTBEAT_MS);
        stop = start(out);
      },
      cancel() {
        clearInterval(timer);
        stop?.();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no", connection: "keep-alive" },
  });
}
