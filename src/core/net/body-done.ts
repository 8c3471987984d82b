/**
 * Tells when a fetched Response's body is over (read to the end, failed or cancelled), so the
 * outbound call's timer is cleared then instead of firing later on a finished call.
 *
 * Why not a new Response around a wrapping ReadableStream: on Node 20 that costs ~25 µs per call
 * (a stream, a Response, a copy of the headers), as much as the response itself, and SMS and email
 * providers answer every call with a body. Instead the Response gets a prototype whose body reads
 * (`text()`, `json()`, …) call its own and then `done`: ~2 µs. Only reading through `.body` wraps
 * the stream, on first access (push cancels unread bodies that way).
 * The watched prototype is made from the response's own prototype, not `Response.prototype`: a
 * Response is not always the runtime's (@hono/node-server installs its own global Response class).
 */

interface Watch {
  done: () => void;
  /** The wrapped `.body`, made on first access. */
  body?: ReadableStream<Uint8Array> | null;
}

const watches = new WeakMap<object, Watch>();
/** Response prototype → the prototype that watches its body reads. */
const watchedPrototypes = new WeakMap<object, object>();

const READS = ["arrayBuffer", "blob", "bytes", "formData", "json", "text"] as const;

function watching(original: object): object {
  const watched = Object.create(original) as object;
  for (const name of READS) {
    const read: unknown = Reflect.get(original, name);
    // `bytes()` is recent (Node 22): a runtime without it has nothing to wrap.
    if (typeof read !== "function") continue;
    Object.defineProperty(watched, name, {
      value(this: Response) {
        return (read.call(this) as Promise<unknown>).finally(watches.get(this)!.done);
      },
    });
  }
  Object.defineProperty(watched, "body", {
    get(this: Response) {
      const watch = watches.get(this)!;
      if (watch.body === undefined) {
        const body = Reflect.get(original, "body", this) as ReadableStream<Uint8Array> | null;
        watch.body = body && endingWith(body, watch.done);
      }
      return watch.body;
    },
  });
  return watched;
}

/**
 * `response` itself, its body now calling `done` once when it has been read to the end, failed or
 * been cancelled (and again harmlessly on a repeated read). A body never read never calls it.
 *
 * @example
 * return whenBodyDone(response, () => clearTimeout(timer));
 */
export function whenBodyDone(response: Response, done: () => void): Response {
  const original = Object.getPrototypeOf(response) as object;
  let watched = watchedPrototypes.get(original);
  if (!watched) watchedPrototypes.set(original, (watched = watching(original)));
  watches.set(response, { done });
  Object.setPrototypeOf(response, watched);
  return response;
}

/** A stream passing `inner` through, calling `done` at its end, error or cancel. */
function endingWith(inner: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // Locked only once read: looking at `.body` must not stop a later `text()`.
        reader ??= inner.getReader();
        try {
          const next = await reader.read();
          if (next.done) {
            done();
            controller.close();
          } else controller.enqueue(next.value);
        } catch (error) {
          done();
          controller.error(error);
        }
      },
      cancel(reason) {
        done();
        return (reader ?? inner).cancel(reason);
      },
    },
    // No read ahead: pull only when the reader asks (see above).
    { highWaterMark: 0 },
  );
}
