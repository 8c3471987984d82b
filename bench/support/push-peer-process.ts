/**
 * The push-service peer in its own process for bench/push: HTTPS with a throw-away self-signed
 * certificate, no decryption (accept and count). Prints `{"url": …}` when listening; answers
 * `count` on stdin with `{"count": n, "cpuUs": …}` (CPU used so far).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPushService } from "../../tests/peers/push-service.js";

const dir = mkdtempSync(join(tmpdir(), "herald-push-bench-"));
execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")], { stdio: "ignore" });
const peer = await startPushService({ decrypt: false, tls: { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") } });
console.log(JSON.stringify({ url: peer.url }));
process.stdin.on("data", () => {
  const cpu = process.cpuUsage();
  console.log(JSON.stringify({ count: peer.count, cpuUs: cpu.user + cpu.system }));
});
