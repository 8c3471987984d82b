/**
 * Endpoint signing secrets at rest. They must stay usable for signing, so they cannot be hashed:
 * each is encrypted with AES-GCM under a key derived (HKDF-SHA-256) from the server's token key,
 * with the endpoint id as additional data so a ciphertext copied onto another row does not open.
 * The token key lives in the settings table, so this guards against a leak of the endpoints table
 * alone (an export, a listing), not of the whole database: the same standing as the VAPID keys
 * and the token key beside it (core/push/vapid.ts).
 */
import { fromBase64Url, randomBytes, toBase64Url, utf8 } from "../../lib/encoding.js";

export interface SecretBox {
  seal(plain: string, endpointId: string): Promise<string>;
  open(sealed: string, endpointId: string): Promise<string>;
}

export function secretBox(tokenKey: string): SecretBox {
  const key = (async () => {
    const material = await crypto.subtle.importKey("raw", utf8(tokenKey), "HKDF", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: utf8("herald"), info: utf8("webhook endpoint secret v1") },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  })();
  return {
    async seal(plain, endpointId) {
      const iv = randomBytes(12);
      const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(endpointId) }, await key, utf8(plain)));
      return `v1.${toBase64Url(iv)}.${toBase64Url(sealed)}`;
    },
    async open(sealed, endpointId) {
      const [version, iv, data] = sealed.split(".");
      const ivBytes = iv ? fromBase64Url(iv) : undefined;
      const dataBytes = data ? fromBase64Url(data) : undefined;
      if (version !== "v1" || !ivBytes || !dataBytes) throw new Error("not a sealed endpoint secret");
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: ivBytes, additionalData: utf8(endpointId) }, await key, dataBytes);
      return new TextDecoder().decode(plain);
    },
  };
}
