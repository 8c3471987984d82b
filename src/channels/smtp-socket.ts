/**
 * Opens the TCP connections of nodemailer's SMTP pool (its `getSocket` hook) with a guarded DNS
 * lookup, so that the SSRF guard checks the address each connection is actually made to.
 * Why not nodemailer's own connect: it resolves the name itself (resolve4/resolve6, cached for five
 * minutes) and takes no `lookup`. nodemailer still does TLS over this socket (smtps, STARTTLS), and
 * verifies the certificate against the host name of SMTP_URL, not the address.
 */
import dns from "node:dns";
import net from "node:net";
import { guardedLookup } from "../runtimes/node/net/guarded-lookup.js";

/** nodemailer's `getSocket`: a connected socket as `{ connection }`, or an error. */
export type GetSocket = (options: { host?: string; port?: number; secure?: boolean; connectionTimeout?: number }, callback: (error: Error | null, socket?: { connection: net.Socket }) => void) => void;

/**
 * @param check asked about every address the host resolves to; throws (or rejects) to refuse it.
 * @param hosts fixed answers for host names, before DNS (tests; see ConnectPolicy.hosts).
 *
 * @example
 * nodemailer.createTransport({ url, pool: true, getSocket: guardedSmtpSocket((address) => ctx.checkHost(address)) })
 */
export function guardedSmtpSocket(check: (address: string) => void | Promise<void>, hosts?: Record<string, string>): GetSocket {
  const lookup = guardedLookup(dns.lookup, check, hosts);
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
