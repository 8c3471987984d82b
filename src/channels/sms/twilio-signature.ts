/**
 * `X-Twilio-Signature`, as Twilio documents it (twilio.com/docs/usage/webhooks/webhooks-security):
 * base64 of HMAC-SHA1, keyed with the auth token, over the full URL Twilio called followed by every
 * POST parameter sorted by name, each name immediately followed by its value.
 *
 * WebCrypto only (no `node:crypto`, no twilio SDK) so it runs on Workers, Deno and Node alike.
 */
import { fromBase64, timingSafeEqualBytes, toBase64, utf8 } from "../../lib/encoding.js";

/** The signed string: URL, then the form parameters sorted by name (and by value for repeated names). */
export function signedPayload(url: string, body: string): string {
  const pairs = [...new URLSearchParams(body)];
  // Twilio sorts names in byte order (as JS compares UTF-16 units, which agrees for the ASCII names it uses).
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  let out = url;
  for (const [name, value] of pairs) out += name + value;
  return out;
}

/** A verifier bound to one auth token; the imported HMAC key is reused across requests. */
export function twilioSignatureVerifier(authToken: string) {
  const key = crypto.subtle.importKey("raw", utf8(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const sign = async (payload: string) => new Uint8Array(await crypto.subtle.sign("HMAC", await key, utf8(payload)));

  return {
    /** The signature Twilio would send for this request (base64). */
    async sign(url: string, body: string): Promise<string> {
      return toBase64(await sign(signedPayload(url, body)));
    },
    /**
     * True when `header` is the signature of this URL and form body. Twilio's own libraries also
     * accept the URL with its default port added or removed (Twilio may sign either form), so do we.
     */
    async verify(url: string, body: string, header: string | null | undefined): Promise<boolean> {
      if (!header) return false;
      const given = fromBase64(header.trim());
      if (!given || given.length !== 20) return false;
      let ok = false;
      for (const candidate of urlVariants(url)) {
        // Check every variant (no early exit) so timing does not tell which form matched.
        if (timingSafeEqualBytes(await sign(signedPayload(candidate, body)), given)) ok = true;
      }
      return ok;
    },
  };
}

/** The URL as given, and with the scheme's default port toggled (`https://h/x` ⇄ `https://h:443/x`). */
export function urlVariants(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const defaultPort = parsed.protocol === "https:" ? "443" : parsed.protocol === "http:" ? "80" : undefined;
  if (!defaultPort) return [url];
  // Rebuild by hand: the URL class drops a default port, which is exactly the difference we need.
  const rest = url.slice(url.indexOf("//") + 2);
  const slash = rest.search(/[/?#]/);
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const tail = slash === -1 ? "" : rest.slice(slash);
  const at = authority.lastIndexOf("@");
  const userinfo = at === -1 ? "" : authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  const explicit = /:(\d+)$/.exec(hostPort);
  const scheme = url.slice(0, url.indexOf("//") + 2);
  if (explicit && explicit[1] === defaultPort) return [url, `${scheme}${userinfo}${hostPort.slice(0, -explicit[0].length)}${tail}`];
  if (!explicit) return [url, `${scheme}${userinfo}${hostPort}:${defaultPort}${tail}`];
  return [url];
}
