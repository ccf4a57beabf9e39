import type { IncomingMessage, ServerResponse } from "node:http";
import { CLIENT_ADDRESS_HEADER, isTrusted, normalizeAddress, parseTrustedProxies, resolveClientAddress, stampClientAddress } from "./client-address";

const KB = 1024;
const MB = 1024 * KB;

/**
 * How large a request body may be, by path. The console takes small JSON and form posts only; the
 * largest is a JQM XML import (at most 1 MB of XML, sent as a JSON string with its escapes).
 */
export function consoleBodyLimit(url: string): number {
  const path = url.split("?")[0] ?? "";
  if (path.startsWith("/api/auth/")) return 16 * KB;
  if (path.startsWith("/api/trpc/")) return path.includes("jobDef.importXml") ? 3 * MB : 256 * KB;
  return 64 * KB;
}

/** Headers only a proxy may set: from anyone else they are dropped (Next.js then fills them from the socket). */
const FORWARDING_HEADERS = ["x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port", "x-real-ip", "forwarded"];

export type RequestGuardOptions = {
  /** TRUSTED_PROXIES: the proxies whose X-Forwarded-* headers count. */
  trustedProxies: string;
  bodyLimit?: (url: string) => number;
};

function formatBytes(n: number) {
  return n >= MB ? `${n / MB} MB` : `${n / KB} KB`;
}

function refuse(res: ServerResponse, limit: number) {
  if (res.headersSent) return;
  const body = JSON.stringify({ error: "PAYLOAD_TOO_LARGE", message: `The request body is larger than ${formatBytes(limit)}` });
  res.writeHead(413, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body), connection: "close" });
  res.end(body);
}

/**
 * What runs before Next.js sees a request: sets the caller's address (CLIENT_ADDRESS_HEADER) from the
 * socket or a trusted proxy, and refuses bodies over the limit with a 413. A declared Content-Length
 * is refused before any byte is read; a body without one (chunked) is held until it ends, so Next.js
 * gets either the whole body within the limit or never sees the request.
 */
export function createRequestGuard({ trustedProxies, bodyLimit = consoleBodyLimit }: RequestGuardOptions) {
  const trusted = parseTrustedProxies(trustedProxies);
  return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
    const forwardedFor = req.headers["x-forwarded-for"];
    const address = resolveClientAddress(req.socket.remoteAddress, Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor, trusted);
    const peer = normalizeAddress(req.socket.remoteAddress);
    if (!peer || !isTrusted(trusted, peer)) for (const name of FORWARDING_HEADERS) delete req.headers[name];
    if (address) req.headers[CLIENT_ADDRESS_HEADER] = stampClientAddress(address);
    else delete req.headers[CLIENT_ADDRESS_HEADER];

    const limit = bodyLimit(req.url ?? "/");
    const declared = req.headers["content-length"];
    if (declared !== undefined && Number(declared) > limit) return refuse(res, limit);
    if (req.headers["transfer-encoding"] === undefined) return next();

    // The HTTP parser hands body chunks to req.push: hold them until the body ends or passes the limit.
    const push = req.push.bind(req);
    const held: Buffer[] = [];
    let size = 0;
    req.push = (chunk: unknown, encoding?: BufferEncoding) => {
      if (chunk === null) {
        req.push = push;
        for (const c of held) push(c);
        push(null);
        next();
        return false;
      }
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, encoding);
      size += buffer.length;
      if (size > limit) {
        held.length = 0;
        req.push = () => true;
        refuse(res, limit);
        return true;
      }
      held.push(buffer);
      return true;
    };
  };
}
