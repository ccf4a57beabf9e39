import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import type { Db } from "~/server/db";
import { type Permission, hasPermission } from "~/server/domain/permissions";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import type { Principal } from "~/server/services/auth/get-principal";
import { AppError } from "~/server/services/errors";
import { auditLogRead } from "./audit-log-read";
import { findRunNodeName } from "./read-model";
import { deliverableContentType, runLogFiles, safeFileName } from "./run-paths";

/**
 * Downloads of deliverables and run logs, without HTTP: find the file, authorise the caller, say
 * where the file is (this machine's disk, or a node on another host to ask) and audit the read. The
 * console's route handlers (src/app/api) and the node APIs' handlers (src/node-api/files.ts) turn
 * the answer into their HTTP responses.
 */

/** Headers every download answer carries: never cached, never sniffed, never rendered as a page. */
export const DOWNLOAD_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; sandbox",
} as const;

/** Who asks for a download from the console: the signed-in user (null when not signed in) and where from. */
export type DownloadCaller = { principal: Principal | null; fromAddress: string | null; userAgent: string | null };

/** The caller holding `permission`, with their audit actor; UNAUTHORIZED or FORBIDDEN otherwise. */
export function authorizeDownload(caller: DownloadCaller, permission: Permission): { principal: Principal; actor: Actor } {
  const { principal } = caller;
  if (!principal) throw new AppError("UNAUTHORIZED", "Sign in first");
  if (!hasPermission(principal.permissions, permission)) throw new AppError("FORBIDDEN", `Permission ${permission} is required`);
  return { principal, actor: { userId: principal.id, login: principal.login, fromAddress: caller.fromAddress, userAgent: caller.userAgent } };
}

/**
 * The node answering the request itself (a node API): the file must be one of its own, read from
 * its own directories.
 */
export type ServingNode = { name: string; deliverablesDir: string; logDir: string };

/**
 * Where a file is. `local`: on this machine's disk at `path` (resolved, inside `root`, the real
 * directory it belongs to), `size` bytes when located. `node`: in the directory of node `nodeName`,
 * which is not on this machine: ask that node's simple API at `nodePath`.
 */
export type FileLocation = { where: "local"; root: string; path: string; size: number } | { where: "node"; nodeName: string; nodePath: string };

function inside(dir: string, file: string) {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/**
 * Finds `file` (built from a database record, never from request input) inside `dir` on this
 * machine's disk. Anything that resolves outside `dir` (`..`, a symbolic link) is missing (NOT_FOUND
 * with `missing`). A `dir` that is not on this disk belongs to a node on another host: null.
 */
async function locateFile(dir: string, file: string, missing: string): Promise<Extract<FileLocation, { where: "local" }> | null> {
  const root = await realpath(dir).catch(() => null);
  if (!root) return null;
  const gone = new AppError("NOT_FOUND", missing);
  if (!inside(resolve(dir), resolve(dir, file))) throw gone;
  const path = await realpath(resolve(dir, file)).catch(() => null);
  if (!path || !inside(root, path)) throw gone;
  const s = await stat(path).catch(() => null);
  if (!s?.isFile()) throw gone;
  return { where: "local", root, path, size: s.size };
}

/** Locates a file of node `nodeName`: on this disk, else on the node (never for the serving node itself). */
async function locate(nodeName: string, dir: string, file: string, nodePath: string, missing: string, servedBy: ServingNode | undefined): Promise<FileLocation> {
  const local = await locateFile(dir, file, missing);
  if (local) return local;
  if (servedBy) throw new AppError("NOT_FOUND", missing);
  return { where: "node", nodeName, nodePath };
}

export type DeliverableDownload = {
  /** The name to save the file as (safe: no path, no control character). */
  fileName: string;
  contentType: string;
  location: FileLocation;
  /** Audits the download as `files.download`; `via`: it went through the node's API. */
  audit(via?: "node-api"): Promise<void>;
};

/**
 * A run's deliverable by its 128-bit random download id (or, for the client API, its row id), in
 * the deliverables directory of the node that stored it. The console gives the `actor` it
 * authorised (authorizeDownload, files:read); a node API gives its authenticated caller and itself
 * as `servedBy`.
 */
export async function findDeliverableDownload(
  db: Db,
  actor: Actor,
  file: { downloadId: string } | { id: number },
  servedBy?: ServingNode,
): Promise<DeliverableDownload> {
  if ("downloadId" in file && !/^[0-9a-fA-F]{32}$/.test(file.downloadId)) throw new AppError("BAD_REQUEST", "A download id is 32 hexadecimal characters");
  const d = await db.deliverable.findFirst({ where: "downloadId" in file ? { downloadId: file.downloadId.toLowerCase() } : { id: file.id } });
  if (!d) throw new AppError("NOT_FOUND", "No such file");
  if (servedBy && d.nodeName !== servedBy.name) throw new AppError("NOT_FOUND", `This file is stored on node ${d.nodeName}`);
  const node = servedBy ?? (await db.node.findUnique({ where: { name: d.nodeName }, select: { name: true, deliverablesDir: true } }));
  if (!node) throw new AppError("NOT_FOUND", `The file was stored on node ${d.nodeName}, which no longer exists`);
  const missing = `The file ${d.originalName} of run ${d.jobInstanceId} is missing on node ${node.name}`;
  return {
    fileName: safeFileName(d.originalName, `file-${d.id}`),
    contentType: deliverableContentType(d.originalName),
    location: await locate(node.name, node.deliverablesDir, d.storedPath, `/ws/simple/file?id=${d.downloadId}`, missing, servedBy),
    audit: async (via) => {
      await createAuditEvent(db, {
        actor,
        action: "files.download",
        objectType: "files",
        objectId: d.id,
        after: { run: d.jobInstanceId, name: d.originalName, node: node.name, ...(via ? { via } : {}) },
      });
    },
  };
}

/** The most bytes a console tail read returns. */
const MAX_TAIL = 1024 * 1024;

export type RunLogRequest = { id: number; stream: "stdout" | "stderr"; tail: number | null };

/** A log request as the console's route receives it (path and query strings); BAD_REQUEST when malformed. */
export function parseRunLogRequest(raw: { id: string; stream: string; tail: string | null }): RunLogRequest {
  if (!/^[1-9]\d{0,9}$/.test(raw.id) || Number(raw.id) > 2_147_483_647) throw new AppError("BAD_REQUEST", "The run id must be a positive integer");
  if (raw.stream !== "stdout" && raw.stream !== "stderr") throw new AppError("BAD_REQUEST", "The stream must be stdout or stderr");
  if (raw.tail !== null && (!/^\d{1,8}$/.test(raw.tail) || Number(raw.tail) < 1 || Number(raw.tail) > MAX_TAIL)) {
    throw new AppError("BAD_REQUEST", `tail must be a number of bytes between 1 and ${MAX_TAIL}`);
  }
  return { id: Number(raw.id), stream: raw.stream, tail: raw.tail === null ? null : Number(raw.tail) };
}

/** What part of a log a read took: all of it (a download), a tail window, or an HTTP range. */
export type LogReadPart = { whole: boolean; tail?: number; range?: string };

export type RunLogDownload = {
  /** The node whose log directory holds the log. */
  nodeName: string;
  /** The name to save the whole log as. */
  fileName: string;
  location: FileLocation;
  /** Audits the read (auditLogRead: a download every time, partial reads once per follower). */
  audit(part: LogReadPart, via?: "node-api"): Promise<void>;
};

/**
 * A run's stdout or stderr, from the log directory of the node that ran it. The console gives the
 * `actor` it authorised (logs:read); a node API gives its caller and itself as `servedBy`.
 */
export async function findRunLogDownload(db: Db, actor: Actor, { id, stream }: Pick<RunLogRequest, "id" | "stream">, servedBy?: ServingNode): Promise<RunLogDownload> {
  const nodeName = await findRunNodeName(db, id);
  if (nodeName === undefined) throw new AppError("NOT_FOUND", `No run with id ${id}`);
  if (servedBy && nodeName !== servedBy.name) throw new AppError("NOT_FOUND", nodeName ? `Run ${id} ran on node ${nodeName}` : `Run ${id} has not started`);
  if (!nodeName) throw new AppError("NOT_FOUND", `Run ${id} has not been started by a node: it has no log`);
  const node = servedBy ?? (await db.node.findUnique({ where: { name: nodeName }, select: { name: true, logDir: true } }));
  if (!node) throw new AppError("NOT_FOUND", `Run ${id} ran on node ${nodeName}, which no longer exists`);
  return {
    nodeName: node.name,
    fileName: safeFileName(`${id}.${stream}.txt`, `${id}.log.txt`),
    location: await locate(node.name, node.logDir, runLogFiles(node.logDir, id)[stream], `/ws/simple/${stream}?id=${id}`, `No ${stream} log for run ${id}`, servedBy),
    audit: async (part, via) => {
      await auditLogRead(db, { actor, node: node.name, via, log: "run", runId: id, stream, ...part });
    },
  };
}
