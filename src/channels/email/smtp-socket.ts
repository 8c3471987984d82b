/**
 * Opens the TCP connections of nodemailer's SMTP pool (its `getSocket` hook) with a guarded DNS
 * lookup, so that the SSRF guard checks the address each connection is actually made to.
 * Why not nodemailer's own connect: it resolves the name itself (resolve4/resolve6, cached for five
 * minutes) and takes no `lookup`. nodemailer still does TLS over this socket (smtps, STARTTLS), and
 * verifies the certificate against the host name of SMTP_URL, not the address.
 *
 * The guarded lookup comes from the runtime (Node and Deno lend theirs through `socketChannels`),
 * as Hono's serve-static receives file access: a channel imports no runtime.
 */
import net, { type LookupFunction } from "node:net";

/**
 * A `lookup` for `net.connect` that resolves a host name and calls `check` on every address before
 * the connection opens; a check that throws or rejects fails the connection with that error.
 */
export type GuardedLookup = (check: (address: string, hostname: string) => void | Promise<void>) => LookupFunction;

/** nodemailer's `getSocket`: a connected socket as `{ connection }`, or an error. */
export type GetSocket = (options: { host?: string; port?: number; secure?: boolean; connectionTimeout?: number }, callback: (error: Error | null, socket?: { connection: net.Socket }) => void) => void;

/**
 * @param lookup resolves each connection's host, refusing what the SSRF guard refuses.
 *
 * @example
 * nodemailer.createTransport({ url, pool: true, getSocket: guardedSmtpSocket(guardedLookup((address) => ctx.checkHost(address))) })
 */
export function guardedSmtpSocket(lookup: LookupFunction): GetSocket {
  return (options, callback) => {
    const host = (options.host ?? "localhost").replace(/^\[|\]$/g, "");
    // nodemailer's defaults, which it no longer applies once it is handed a socket.
    const port = Number(options.port) || (options.secure ? 465 : 587);
    const socket = net.connect({ host, port, lookup });
    let settled = false;
    const fail = (error: Error) => {
      socket.destroy();
      if (!settled) callback(error);
      settled = true;
    };
    // Idle before it connects: the lookup and the TCP handshake share nodemailer's connection timeout.
    socket.setTimeout(options.connectionTimeout || 120_000, () => fail(Object.assign(new Error(`Connection timeout to ${host}:${port}`), { code: "ETIMEDOUT" })));
    socket.once("error", fail);
    socket.once("connect", () => {
      settled = true;
      socket.setTimeout(0);
      socket.off("error", fail);
      callback(null, { connection: socket });
    });
  };
}
