// The floor of bench/realtime-floor.ts: a WebSocket server that stores nothing and does nothing but
// send one message to every connected client, as cheaply as Node allows. Run as its own process.
//
//   - every connection gets `{"type":"ready"}` at once (what bench clients of Herald wait for);
//   - `POST /emit?mode=raw|ws` with a JSON body sends that text to every connection and answers 202:
//     `raw` builds the WebSocket frame once and writes the same bytes to each TCP socket (no
//     per-socket framing or copying at all); `ws` calls the `ws` library's `send` per socket with
//     the text serialized once (what a server built on `ws` does at best).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

const sockets = new Set<WebSocket>();

/** A final, unmasked text frame (RFC 6455 §5.2), as a server sends it. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, n]) : n < 65_536 ? Buffer.from([0x81, 126, n >> 8, n & 255]) : undefined;
  if (!head) throw new Error("frame too large for this floor");
  return Buffer.concat([head, payload]);
}

const http = createServer((req, res) => {
  if (req.method !== "POST" || !req.url?.startsWith("/emit")) return void res.writeHead(404).end();
  const mode = new URL(req.url, "http://x").searchParams.get("mode") ?? "raw";
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString();
    if (mode === "raw") {
      const frame = textFrame(text);
      for (const ws of sockets) (ws as unknown as { _socket: Duplex })._socket.write(frame);
    } else {
      for (const ws of sockets) ws.send(text);
    }
    res.writeHead(202).end();
  });
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
wss.on("connection", (ws) => {
  sockets.add(ws);
  ws.on("close", () => sockets.delete(ws));
  ws.on("error", () => ws.terminate());
  ws.send('{"type":"ready","after":0}');
});
http.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ msg: "ready", url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` })));
process.on("SIGTERM", () => process.exit(0));
