/**
 * What the HTTP peers share: reading a request body, and a script of next answers that tests (and
 * the channel conformance suite) use to make a peer fail, throttle or hang on purpose.
 */
import type { IncomingMessage } from "node:http";

/** One scripted answer: a status (with Retry-After), a delay, or both. */
export interface ScriptStep {
  status?: number;
  retryAfter?: string;
  delayMs?: number;
}

export async function readBodyBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBodyBytes(req)).toString("utf8");
}

/** Takes the next scripted step and waits out its delay (plus any fixed latency) before answering. */
export async function nextStep<S extends ScriptStep>(peer: { script: S[]; latencyMs?: number }): Promise<S | undefined> {
  const step = peer.script.shift();
  const delay = (step?.delayMs ?? 0) + (peer.latencyMs ?? 0);
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  return step;
}

/** The conformance suite's knobs for a peer with a script: fail with a status, or hang past any timeout. */
export function scriptControls(peer: { script: ScriptStep[] }) {
  return {
    failNext: (status: number, retryAfter?: number) => void peer.script.push({ status, retryAfter: retryAfter?.toString() }),
    hangNext: () => void peer.script.push({ delayMs: 2000 }),
  };
}
