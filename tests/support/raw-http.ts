/**
 * HTTP requests exactly as a hostile client writes them: the path as given (no URL normalisation, so
 * `../` and bad percent escapes reach the server), any bytes as the body, sent with a length or
 * chunked. `fetch` would clean most of that up first.
 */
import { Agent, type IncomingHttpHeaders, request } from "node:http";

export interface RawRequest {
  method: string;
  /** Path and query, sent as they are (Latin-1 bytes above 0x7f included). */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Send the body with `Transfer-Encoding: chunked` (no length) in pieces. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body, or the first bytes of a stream that does not end (server-sent events). */
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

export function sendRaw(baseUrl: string, req: RawRequest, timeoutMs = 20_000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let answered = false;
    const headers = { ...req.headers };
    if (req.body && !req.chunked) headers["content-length"] = String(req.body.length);
    // Node frames GET and DELETE bodies as chunked only when told to.
    if (req.body && req.chunked) headers["transfer-encoding"] = "chunked";
    const outgoing = request({ host: hostname, port, method: req.method, path: req.path, headers, agent, timeout: timeoutMs }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (String(res.headers["content-type"]).startsWith("text/event-stream")) {
        // A live stream stays open: its status and headers are the answer.
        res.destroy();
        return done();
      }
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", done);
      res.on("error", reject);
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer in ${timeoutMs} ms: ${req.method} ${req.path.slice(0, 200)}`)));
    // The server may answer (413) and close before reading a large body: the answer is what counts.
    outgoing.on("error", (error) => (answered ? undefined : reject(error)));
    if (!req.body) return void outgoing.end();
    if (!req.chunked) return void outgoing.end(req.body);
    for (let i = 0; i < req.body.length; i += 16_384) outgoing.write(req.body.subarray(i, i + 16_384));
    outgoing.end();
  });
}
