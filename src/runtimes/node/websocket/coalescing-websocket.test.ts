import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { CoalescingWebSocket } from "./coalescing-websocket.js";

interface Peer {
  /** The server's side of the connection, with every `write` its TCP socket was asked to do. */
  server: CoalescingWebSocket;
  writes: Buffer[];
  /** What the client received: text messages as strings, binary as `bin:<hex>`, and the close. */
  received: string[];
  closed: Promise<{ code: number; reason: string }>;
}

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
});

async function connect(): Promise<Peer> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, WebSocket: CoalescingWebSocket });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const accepted = new Promise<CoalescingWebSocket>((r) => wss.once("connection", (ws) => r(ws as CoalescingWebSocket)));
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
  const opened = new Promise((r) => client.once("open", r));
  cleanups.push(() => {
    client.terminate();
    for (const ws of wss.clients) ws.terminate();
    wss.close();
    http.close();
  });
  const received: string[] = [];
  client.on("message", (data, isBinary) => received.push(isBinary ? `bin:${(data as Buffer).toString("hex")}` : String(data)));
  const closed = new Promise<{ code: number; reason: string }>((r) => client.on("close", (code, reason) => r({ code, reason: String(reason) })));
  const server = await accepted;
  await opened;
  const socket = (server as unknown as { _socket: { write(chunk: Buffer, ...rest: unknown[]): boolean } })._socket;
  const writes: Buffer[] = [];
  const write = socket.write.bind(socket);
  socket.write = (chunk: Buffer, ...rest: unknown[]) => {
    writes.push(Buffer.from(chunk));
    return write(chunk, ...rest);
  };
  return { server, writes, received, closed };
}

const nextTurn = () => new Promise((r) => setImmediate(r));
const arrived = async (peer: Peer, count: number) => expect.poll(() => peer.received.length).toBe(count);

describe("a WebSocket that writes each turn once", () => {
  it("sends the messages of one turn in one socket write, as separate messages in order", async () => {
    const peer = await connect();
    peer.server.send('{"type":"message","seq":7}');
    peer.server.send('{"type":"unread","count":3}');
    peer.server.send("third");
    await nextTurn();
    expect(peer.writes).toHaveLength(1);
    await arrived(peer, 3);
    expect(peer.received).toEqual(['{"type":"message","seq":7}', '{"type":"unread","count":3}', "third"]);
  });

  it("writes the messages of a later turn separately", async () => {
    const peer = await connect();
    peer.server.send("a");
    await nextTurn();
    peer.server.send("b");
    peer.server.send("c");
    await nextTurn();
    expect(peer.writes).toHaveLength(2);
    await arrived(peer, 3);
    expect(peer.received).toEqual(["a", "b", "c"]);
  });

  it("frames every payload length and UTF-8 intact (7-bit, 16-bit and 64-bit lengths)", async () => {
    const peer = await connect();
    const texts = ["", "x".repeat(125), "y".repeat(126), "Привет, ".repeat(40), "z".repeat(65_535), "w".repeat(65_536), "ü".repeat(40_000)];
    for (const text of texts) peer.server.send(text);
    await arrived(peer, texts.length);
    expect(peer.received).toEqual(texts);
    expect(peer.writes).toHaveLength(1);
  });

  it("counts what waits for the end of the turn in bufferedAmount, so the slow-client limit sees it at once", async () => {
    const peer = await connect();
    const before = peer.server.bufferedAmount;
    peer.server.send("x".repeat(1000));
    expect(peer.server.bufferedAmount - before).toBe(1004);
    peer.server.send("y".repeat(100));
    expect(peer.server.bufferedAmount - before).toBe(1106);
    await nextTurn();
    await arrived(peer, 2);
    expect(peer.server.bufferedAmount).toBe(0);
  });

  it("keeps order with what it does not hold back: binary data, pings and the close", async () => {
    const peer = await connect();
    peer.server.send("first");
    peer.server.send(Buffer.from([1, 2, 3]));
    peer.server.ping();
    peer.server.send("last");
    peer.server.close(4000, "client too slow");
    expect(await peer.closed).toEqual({ code: 4000, reason: "client too slow" });
    expect(peer.received).toEqual(["first", "bin:010203", "last"]);
  });

  it("keeps a Blob, which ws reads before it sends, ahead of text sent after it", async () => {
    const peer = await connect();
    peer.server.send(new Blob([new Uint8Array([1, 2, 3])]));
    peer.server.send("after");
    await expect.poll(() => peer.received.length).toBe(2);
    expect(peer.received).toEqual(["bin:010203", "after"]);
  });

  it("drops what waits when the connection closes before the turn ends, as ws does after a close", async () => {
    const peer = await connect();
    peer.server.send("kept");
    await nextTurn();
    peer.server.terminate();
    peer.server.send("lost");
    await nextTurn();
    expect(peer.writes).toHaveLength(1);
    await peer.closed;
    expect(peer.received).toEqual(["kept"]);
  });
});
