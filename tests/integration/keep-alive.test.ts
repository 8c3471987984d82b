/**
 * Idle keep-alive connections outlast Node's 5 s default: a client (or a load balancer with a 60 s
 * idle timeout) that sends on a connection the server is closing at that moment gets "socket
 * closed" for a POST it must not retry blindly. Seen in bad-input-isolation.test.ts: 1,000 events
 * from one client on a loaded machine, one lost to that race.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HeraldProcess, startHerald } from "../support/server.js";

let herald: HeraldProcess;
beforeAll(async () => {
  herald = await startHerald();
});
afterAll(async () => {
  await herald?.stop();
});

/** Sends a GET /healthz on the socket and resolves with the status line of its answer, or "closed". */
function healthz(socket: Socket, host: string): Promise<string> {
  return new Promise((resolve) => {
    if (socket.destroyed || !socket.writable) return resolve("closed");
    const onData = (chunk: Buffer) => {
      socket.off("close", onClose);
      resolve(chunk.toString("latin1").split("\r\n")[0]!);
    };
    const onClose = () => {
      socket.off("data", onData);
      resolve("closed");
    };
    socket.once("data", onData);
    socket.once("close", onClose);
    socket.write(`GET /healthz HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n\r\n`);
  });
}

describe("keep-alive", () => {
  it("keeps an idle connection open well past Node's 5 s default", async () => {
    const { hostname, port, host } = new URL(herald.url);
    const socket = connect(Number(port), hostname);
    try {
      await new Promise((resolve) => socket.once("connect", resolve));
      expect(await healthz(socket, host)).toBe("HTTP/1.1 200 OK");
      await new Promise((resolve) => setTimeout(resolve, 6500));
      expect(await healthz(socket, host)).toBe("HTTP/1.1 200 OK");
    } finally {
      socket.destroy();
    }
  });
});
