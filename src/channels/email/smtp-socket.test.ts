import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSmtpPeer, type SmtpPeer } from "./smtp.peer.js";
import { createSendContext } from "../../core/channels/send-context.js";
import { checkedLookup } from "../../runtimes/shared/guarded-lookup.js";
import { smtpProvider } from "./smtp.js";
import type { EmailProvider, OutgoingEmail } from "./provider.js";

let smtp: SmtpPeer;
let smtps: SMTPServer;
let smtpsPort: number;
/** The smtps peer's self-signed certificate, trusted by the provider under test and by nothing else. */
let smtpsCert: string;
/** The TLS server name each smtps connection asked for (SNI). */
const serverNames: (string | false | null | undefined)[] = [];
const opened: EmailProvider[] = [];

beforeAll(async () => {
  smtp = await startSmtpPeer();
  const dir = mkdtempSync(join(tmpdir(), "herald-smtps-"));
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=mail.peer.test", "-addext", "subjectAltName=DNS:mail.peer.test", "-keyout", join(dir, "k.pem"), "-out", join(dir, "c.pem")],
    { stdio: "ignore" },
  );
  smtpsCert = readFileSync(join(dir, "c.pem"), "utf8");
  smtps = new SMTPServer({
    secure: true,
    key: readFileSync(join(dir, "k.pem")),
    cert: smtpsCert,
    authOptional: true,
    logger: false,
    closeTimeout: 100,
    onSecure(socket, _session, callback) {
      serverNames.push((socket as TLSSocket).servername);
      callback();
    },
    onData(stream, _session, callback) {
      stream.resume();
      stream.on("end", () => callback());
    },
  });
  smtps.on("error", () => {});
  await new Promise<void>((resolve) => smtps.listen(0, "127.0.0.1", resolve));
  smtpsPort = (smtps.server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const provider of opened) provider.close?.();
  await Promise.all([smtp.close(), new Promise<void>((resolve) => smtps.close(() => resolve()))]);
});

/** The SMTP provider where `names` resolve to loopback at connect time (a DNS that rebinds). */
function provider(url: string, names: string[], ca?: string): EmailProvider {
  const hosts = Object.fromEntries(names.map((name) => [name, "127.0.0.1"]));
  const made = smtpProvider({ url, poolSize: 1, timeoutMs: 3000, ca }, (check) => checkedLookup(check, hosts));
  opened.push(made);
  return made;
}

let seq = 0;
function email(): OutgoingEmail {
  const id = `ntf_smtp_socket_${++seq}`;
  return { from: "no-reply@shop.example", to: "alice@example.com", subject: "Hi", html: "<p>Hi</p>", text: "Hi", messageId: `<${id}@shop.example>`, notificationId: id, headers: {} };
}

describe("SMTP connections under the SSRF guard", () => {
  // What Node used to check before each send: a DNS answer that is public then.
  const publicBeforeTheCall = async () => ["203.0.113.7"];

  it("refuses a host whose name resolves to a private address when the connection opens", async () => {
    const before = smtp.received.length;
    const result = await provider(smtp.url.replace("127.0.0.1", "mail.rebind.test"), ["mail.rebind.test"]).send(
      email(),
      createSendContext({ allowPrivateNetwork: false, resolveHost: publicBeforeTheCall }),
    );
    expect(result).toMatchObject({ ok: false, code: "blocked_address", retryable: false });
    expect((result as { message: string }).message).toContain("127.0.0.1");
    expect(smtp.received.length).toBe(before);
  });

  it("delivers to that host when private networks are allowed", async () => {
    const before = smtp.received.length;
    const result = await provider(smtp.url.replace("127.0.0.1", "mail.rebind.test"), ["mail.rebind.test"]).send(email(), createSendContext({ allowPrivateNetwork: true }));
    expect(result).toMatchObject({ ok: true });
    expect(smtp.received.length).toBe(before + 1);
  });

  it("speaks TLS over the guarded socket with the host name, not the address, as server name and as the name the certificate is checked against", async () => {
    // The peer's certificate names mail.peer.test only: verified against 127.0.0.1 it would be refused.
    const result = await provider(`smtps://mail.peer.test:${smtpsPort}`, ["mail.peer.test"], smtpsCert).send(email(), createSendContext({ allowPrivateNetwork: true }));
    expect(result).toMatchObject({ ok: true });
    expect(serverNames).toEqual(["mail.peer.test"]);
  });

  it("refuses a certificate it does not trust", async () => {
    const result = await provider(`smtps://mail.peer.test:${smtpsPort}`, ["mail.peer.test"]).send(email(), createSendContext({ allowPrivateNetwork: true }));
    expect(result).toMatchObject({ ok: false });
    expect((result as { message: string }).message).toMatch(/certificate/i);
  });
});
