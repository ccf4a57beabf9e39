import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { Readable } from "node:stream";
import { getCurrentPrincipal } from "~/server/auth/config";
import { clientAddress } from "~/server/auth/client-address";
import { type Permission, hasPermission } from "~/server/auth/permissions";
import type { Actor } from "~/server/services/audit/create-audit-event";

export { runLogFiles, safeFileName } from "./run-paths";

/** A JSON error answer of the download routes. */
export function downloadError(status: 400 | 401 | 403 | 404, message: string) {
  const error = { 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND" }[status];
  return Response.json({ error, message }, { status, headers: { "cache-control": "no-store", "x-content-type-options": "nosniff" } });
}

/** The signed-in caller holding `permission`, as an audit actor; or the 401/403 answer. */
export async function downloadActor(req: Request, permission: Permission): Promise<Actor | Response> {
  const principal = await getCurrentPrincipal();
  if (!principal) return downloadError(401, "Sign in first");
  if (!hasPermission(principal.permissions, permission)) return downloadError(403, `Permission ${permission} is required`);
  return { userId: principal.id, login: principal.login, fromAddress: clientAddress(req.headers), userAgent: req.headers.get("user-agent") };
}

function inside(dir: string, file: string) {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

export type LocatedFile = { ok: true; path: string; size: number } | { ok: false; response: Response };

/**
 * Finds `file` (built from a database record, never from request input) inside `dir`, on this
 * machine's disk. Anything that resolves outside `dir` (`..`, a symbolic link) is refused. When `dir`
 * itself is not on this disk, the node runs on another host: the answer names it.
 */
export async function locateNodeFile(nodeName: string, dir: string, file: string, missing: string): Promise<LocatedFile> {
  const realDir = await realpath(dir).catch(() => null);
  if (!realDir) {
    return { ok: false, response: downloadError(404, `The file is stored on node ${nodeName}, not on this machine; download it from that node's API`) };
  }
  if (!inside(resolve(dir), resolve(dir, file))) return { ok: false, response: downloadError(404, missing) };
  const real = await realpath(resolve(dir, file)).catch(() => null);
  if (!real || !inside(realDir, real)) return { ok: false, response: downloadError(404, missing) };
  const s = await stat(real).catch(() => null);
  if (!s?.isFile()) return { ok: false, response: downloadError(404, missing) };
  return { ok: true, path: real, size: s.size };
}

/** Streams bytes [start, end] of a file (a snapshot of its size: a growing log stays consistent). */
export function fileStream(path: string, start: number, size: number): BodyInit {
  if (size <= start) return "";
  return Readable.toWeb(createReadStream(path, { start, end: size - 1 })) as ReadableStream<Uint8Array>;
}

export const DOWNLOAD_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
} as const;
