/**
 * The push-service peer in its own process for bench/push: HTTPS with a throw-away self-signed
 * certificate, no decryption (accept and count). Prints `{"url": …, "http1Url": …}` when listening;
 * answers `count` on stdin with `{"count": n, "cpuUs": …}` (CPU used so far).
 *
 * A real push service runs on its own machines; here it shares the sender's two cores, so its CPU
 * per request is taken from the senders. By default it is lean: HTTP/2 streams handled on Node's
 * core API at `url` (what Herald speaks), and HTTP/1.1 keep-alive on a plain HTTPS server at
 * `http1Url` (what `web-push`'s https.request speaks), each answering 201 with a Location.
 * `BENCH_PUSH_PEER=compat` serves both from the tests' peer (src/channels/push/push-service.peer.ts, Node's
 * HTTP/2 compatibility API), as the figures before 2026-11-22 were taken.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer as createHttpsServer } from "node:https";
import { createSecureServer, constants, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPushService } from "../../src/channels/push/push-service.peer.js";

const dir = mkdtempSync(join(tmpdir(), "herald-push-bench-"));
execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
const tls = { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };

let url: string;
let http1Url: string;
let counted: () => number;
if (process.env.BENCH_PUSH_PEER === "compat") {
  const peer = await startPushService({ decrypt: false, tls });
  url = http1Url = peer.url;
  counted = () => peer.count;
} else {
  let count = 0;
  let messages = 0;
  const h2 = createSecureServer(tls);
  h2.on("stream", (stream: ServerHttp2Stream, headers) => {
    stream.on("data", () => {});
    stream.on("end", () => {
      count++;
      const ok = headers[":method"] === "POST" && String(headers[":path"]).startsWith("/push/");
      stream.respond({ [constants.HTTP2_HEADER_STATUS]: ok ? 201 : 404, ...(ok ? { location: `${url}/message/${++messages}` } : {}) }, { endStream: true });
    });
    stream.on("error", () => {});
  });
  const h1 = createHttpsServer({ ...tls, keepAlive: true, keepAliveTimeout: 30_000 }, (req, res) => {
    req.on("data", () => {});
    req.on("end", () => {
      count++;
      const ok = req.method === "POST" && req.url!.startsWith("/push/");
      res.writeHead(ok ? 201 : 404, ok ? { location: `${http1Url}/message/${++messages}` } : {});
      res.end();
    });
  });
  await Promise.all([new Promise<void>((r) => h2.listen(0, "127.0.0.1", r)), new Promise<void>((r) => h1.listen(0, "127.0.0.1", r))]);
  url = `https://127.0.0.1:${(h2.address() as AddressInfo).port}`;
  http1Url = `https://127.0.0.1:${(h1.address() as AddressInfo).port}`;
  counted = () => count;
}
console.log(JSON.stringify({ url, http1Url }));
process.stdin.on("data", () => {
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ count: counted(), cpuUs: cpu.user + cpu.system }));
});
