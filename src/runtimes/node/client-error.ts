import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { ProblemError } from "../../core/errors.js";
import { problemJson } from "../../core/http/problem.js";

/** Node's parser errors (llhttp codes) and the answer each gets; anything else is a 400. */
const STATUS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, "Request header fields too large"],
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request timeout"],
};

/**
 * Requests Node's HTTP parser refuses before Herald sees them (a request line and headers past
 * 16 KiB, bytes a URL or header may not hold) get a problem document like every other refusal,
 * instead of Node's bare `400 Bad Request` with no body; the connection is closed after it.
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => {
    const response = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    // A connection that is gone, or that already carries a response, cannot take an answer.
    if (error.code === "ECONNRESET" || !socket.writable || response?.headersSent) return void socket.destroy();
    const [status, title] = STATUS[error.code ?? ""] ?? [400, "Malformed request"];
    const body = problemJson(new ProblemError(status, "malformed-request", title, `the HTTP request could not be read (${error.code ?? "parse error"})`));
    socket.end(`HTTP/1.1 ${status} ${title}\r\ncontent-type: application/problem+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
}
