/** The part of `http_ece` (no published types) the push-service peer uses. */
declare module "http_ece" {
  import type { ECDH } from "node:crypto";
  const ece: {
    decrypt(buffer: Buffer, params: { version: "aes128gcm" | "aesgcm"; privateKey?: ECDH; authSecret?: string | Buffer; dh?: string }): Buffer;
    encrypt(buffer: Buffer, params: Record<string, unknown>): Buffer;
  };
  export default ece;
}
