/**
 * Global setup of the workerd tests (runs in Node): the push-service peer (src/channels/push/push-service.peer.ts,
 * which checks each VAPID JWT and decrypts each message with http_ece) and fake browser
 * subscriptions on it, handed to the tests with `provide`. Tests inside workerd read what the peer
 * received from its /stats endpoint, since they cannot see this process's memory.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startPushService } from "../../../src/channels/push/push-service.peer.js";

/** Fake browsers subscribed on the peer, for the broadcast test's push share. */
const SUBSCRIPTIONS = Number(process.env.HERALD_BROADCAST_TEST_PUSH ?? 1000);

export interface PushPeerInfo {
  /** GET: `{count, received, distinct, notificationIds, rejected}`. */
  statsUrl: string;
  subscriptions: { endpoint: string; keys: { p256dh: string; auth: string } }[];
}

declare module "vitest" {
  export interface ProvidedContext {
    pushPeer: PushPeerInfo;
  }
}

export default async function setup(project: TestProject) {
  const peer = await startPushService();
  const subscriptions = Array.from({ length: SUBSCRIPTIONS }, () => peer.subscribe());
  const stats = createServer((_req, res) => {
    const notificationIds = peer.received.map((r) => r.payload?.data?.notificationId);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ count: peer.count, received: peer.received.length, distinct: new Set(peer.received.map((r) => r.id)).size, notificationIds, rejected: peer.rejected.slice(0, 20) }));
  });
  await new Promise<void>((resolve) => stats.listen(0, "127.0.0.1", resolve));
  project.provide("pushPeer", { statsUrl: `http://127.0.0.1:${(stats.address() as AddressInfo).port}/stats`, subscriptions });
  return async () => {
    stats.close();
    await peer.close();
  };
}
