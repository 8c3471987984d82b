/**
 * Global setup of the workerd tests (runs in Node): a Standard Webhooks receiver
 * (src/channels/webhook/webhook.peer.ts, which verifies every signature with the reference
 * library and records each webhook-id once) for status webhook endpoints. Tests inside workerd
 * cannot see this process's memory: they tell it the endpoint's secret (POST /trust) and read
 * what it accepted from GET /stats.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { readBody } from "../../../src/channels/shared/scripted.peer.js";
import { startWebhookPeer } from "../../../src/channels/webhook/webhook.peer.js";

export interface WebhookPeerInfo {
  /** Where endpoints point. */
  url: string;
  /** GET: `{received, ids, requests, refused}` (ids: each accepted webhook-id once, in order); POST `{secret}`: trust it. */
  controlUrl: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    webhookPeer: WebhookPeerInfo;
  }
}

export default async function setup(project: TestProject) {
  const peer = await startWebhookPeer();
  const control = createServer(async (req, res) => {
    if (req.method === "POST") {
      peer.trust((JSON.parse(await readBody(req)) as { secret: string }).secret);
      res.writeHead(204);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ received: peer.received.length, ids: peer.received.map((r) => r.id), requests: peer.requests.length, refused: peer.refused.slice(0, 20) }));
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  project.provide("webhookPeer", { url: peer.url, controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}` });
  return async () => {
    control.close();
    await peer.close();
  };
}
