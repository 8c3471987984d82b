// The JavaScript heap of another Node process after a full collection, read through its inspector
// (the process is started with --inspect=127.0.0.1:PORT). RSS differences are noisy: garbage left
// from setting up a room may or may not have been collected when they are read (bench/README.md).
import WebSocket from "ws";

const TIMEOUT_MS = 30_000;

/** Bytes of heap in use in the process listening for the inspector on `port`, after two full GCs. */
export async function heapAfterGc(port: number): Promise<number> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`, { signal: AbortSignal.timeout(TIMEOUT_MS) })).json()) as { webSocketDebuggerUrl: string }[];
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  let id = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<any>((resolve, reject) => {
      const mine = ++id;
      const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method} in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data));
        if (message.id !== mine) return;
        socket.off("message", onMessage);
        clearTimeout(timer);
        if (message.error) reject(new Error(`inspector: ${method}: ${message.error.message}`));
        else resolve(message.result);
      };
      socket.on("message", onMessage);
      socket.send(JSON.stringify({ id: mine, method, params }));
    });
  try {
    await call("HeapProfiler.collectGarbage");
    await call("HeapProfiler.collectGarbage");
    const answer = await call("Runtime.evaluate", { expression: "process.memoryUsage().heapUsed", returnByValue: true });
    return Number(answer.result.value);
  } finally {
    socket.close();
  }
}
