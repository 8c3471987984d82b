// The baseline for bench/realtime: the design Herald replaces, a support chat that did
// `io.to(room).emit(...)`. Run by bench/realtime.ts as its own process, the way Herald runs, so
// its CPU and memory are not mixed with the load generator's.
//
//   - a client joins the room named in its handshake (`auth.room`) as it connects;
//   - `POST /emit` `{room, event, payload}` emits `payload` once to the room and answers 202.
//
// Nothing is stored: this is the ceiling of a broadcast with no inbox behind it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

interface EmitInput {
  room: string;
  event: string;
  payload: unknown;
}

const http = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/emit") {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let input: EmitInput;
    try {
      input = JSON.parse(Buffer.concat(chunks).toString());
    } catch (error) {
      res.writeHead(400, { "content-type": "text/plain" }).end(`not JSON: ${(error as Error).message}`);
      return;
    }
    io.to(input.room).emit(input.event, input.payload);
    res.writeHead(202, { "content-type": "application/json" }).end('{"ok":true}');
  });
});

// The defaults of a chat deployment, websocket only (the clients do not poll).
const io = new Server(http, { transports: ["websocket"], serveClient: false });
io.on("connection", (socket) => {
  const room = (socket.handshake.auth as { room?: unknown }).room;
  // Joined in the same tick as the CONNECT packet goes out: a connected client is in the room.
  if (typeof room === "string") void socket.join(room);
});

http.listen(0, "127.0.0.1", () => {
  const { port } = http.address() as AddressInfo;
  console.log(JSON.stringify({ msg: "ready", url: `http://127.0.0.1:${port}` }));
});
process.on("SIGTERM", () => {
  io.close();
  process.exit(0);
});
