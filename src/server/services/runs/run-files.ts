import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";
import { Readable } from "node:stream";
import { create as contentDisposition } from "content-disposition";
import type { Response as NodeResponse } from "undici";
import { getCurrentPrincipal } from "~/server/auth/config";
import { clientAddress } from "~/server/auth/client-address";
import { type Permission, hasPermission } from "~/server/domain/permissions";
import type { Db } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import type { Principal } from "~/server/services/auth/get-principal";
import { NodeApiError, nodeApiFetch, nodeFailure } from "~/server/services/nodes/node-api-client";
import { auditLogRead } from "./audit-log-read";
import { deliverableContentType, runLogFiles, safeFileName } from "./run-paths";

export { runLogFiles, safeFileName } from "./run-paths";

type ErrorStatus = 400 | 401 | 403 | 404 | 502 | 504;
const ERROR_NAMES: Record<ErrorStatus, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  502: "BAD_GATEWAY",
  504: "GATEWAY_TIMEOUT",
};

/** A JSON error answer of the download routes. */
export function downloadError(status: ErrorStatus, message: string) {
  return Response.json({ error: ERROR_NAMES[status], message }, { status, headers: { "cache-control": "no-store", "x-content-type-options": "nosniff" } });
}

/** Who asks for a download: the signed-in user (null when not signed in) and where from. */
export type DownloadCaller = { principal: Principal | null; fromAddress: string | null; userAgent: string | null };

export async function downloadCaller(req: Request): Promise<DownloadCaller> {
  return { principal: await getCurrentPrincipal(), fromAddress: clientAddress(req.headers), userAgent: req.headers.get("user-agent") };
}

/** The caller holding `permission`, with their audit actor; or the 401/403 answer. */
function authorize(caller: DownloadCaller, permission: Permission): { principal: Principal; actor: Actor } | Response {
  const { principal } = caller;
  if (!principal) return downloadError(401, "Sign in first");
  if (!hasPermission(principal.permissions, permission)) return downloadError(403, `Permission ${permission} is required`);
  return { principal, actor: { userId: principal.id, login: principal.login, fromAddress: caller.fromAddress, userAgent: caller.userAgent } };
}

function inside(dir: string, file: string) {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

export type LocatedFile = { where: "local"; path: string; size: number } | { where: "remote" } | { where: "missing"; response: Response };

/**
 * Finds `file` (built from a database record, never from request input) inside `dir`, on this
 * machine's disk. Anything that resolves outside `dir` (`..`, a symbolic link) is refused. When `dir`
 * itself is not on this disk, the node runs on another host: `remote`.
 */
export async function locateNodeFile(dir: string, file: string, missing: string): Promise<LocatedFile> {
  const realDir = await realpath(dir).catch(() => null);
  if (!realDir) return { where: "remote" };
  const gone = { where: "missing", response: downloadError(404, missing) } as const;
  if (!inside(resolve(dir), resolve(dir, file))) return gone;
  const real = await realpath(resolve(dir, file)).catch(() => null);
  if (!real || !inside(realDir, real)) return gone;
  const s = await stat(real).catch(() => null);
  if (!s?.isFile()) return gone;
  return { where: "local", path: real, size: s.size };
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

const TEXT = "text/plain; charset=utf-8";

/** Fetches from the node's API; a node that cannot be reached becomes a 502/504 answer. */
async function fromNode(db: Db, options: Parameters<typeof nodeApiFetch>[1]): Promise<NodeResponse | Response> {
  try {
    return await nodeApiFetch(db, options);
  } catch (err) {
    if (err instanceof NodeApiError) return downloadError(err.status, err.message);
    throw err;
  }
}

async function failedAnswer(nodeName: string, res: NodeResponse) {
  const { status, message } = await nodeFailure(nodeName, res);
  return downloadError(status, message);
}

/** Only the node's body and length travel on: type and file name are the console's own. */
const nodeBody = (res: NodeResponse) => res.body as unknown as ReadableStream<Uint8Array> | null;
const nodeLength = (res: NodeResponse): Record<string, string> => {
  const length = res.headers.get("content-length");
  return length && /^\d{1,15}$/.test(length) ? { "content-length": length } : {};
};

/** Drops the first `skip` bytes of a stream. */
function skipBytes(body: ReadableStream<Uint8Array>, skip: number) {
  let left = skip;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (left >= chunk.length) {
          left -= chunk.length;
          return;
        }
        controller.enqueue(left > 0 ? chunk.subarray(left) : chunk);
        left = 0;
      },
    }),
  );
}

/**
 * A run's deliverable by its 128-bit random download id (files:read), read from the deliverables
 * directory of the node that stored it, or through that node's API when the directory is on
 * another host. Audited as `files.download`.
 */
export async function serveDeliverable(db: Db, caller: DownloadCaller, downloadId: string): Promise<Response> {
  const who = authorize(caller, "files:read");
  if (who instanceof Response) return who;
  if (!/^[0-9a-fA-F]{32}$/.test(downloadId)) return downloadError(400, "A download id is 32 hexadecimal characters");

  const d = await db.deliverable.findUnique({ where: { downloadId: downloadId.toLowerCase() } });
  if (!d) return downloadError(404, "No such file");
  const node = await db.node.findUnique({ where: { name: d.nodeName }, select: { name: true, deliverablesDir: true } });
  if (!node) return downloadError(404, `The file was stored on node ${d.nodeName}, which no longer exists`);
  const found = await locateNodeFile(node.deliverablesDir, d.storedPath, `The file ${d.originalName} of run ${d.jobInstanceId} is missing on node ${node.name}`);
  if (found.where === "missing") return found.response;

  const headers = {
    ...DOWNLOAD_HEADERS,
    "content-type": deliverableContentType(d.originalName),
    "content-disposition": contentDisposition(safeFileName(d.originalName, `file-${d.id}`)),
  };
  const audit = (via?: "node-api") =>
    createAuditEvent(db, {
      actor: who.actor,
      action: "files.download",
      objectType: "files",
      objectId: d.id,
      after: { run: d.jobInstanceId, name: d.originalName, node: node.name, ...(via ? { via } : {}) },
    });

  if (found.where === "local") {
    await audit();
    return new Response(fileStream(found.path, 0, found.size), { headers: { ...headers, "content-length": String(found.size) } });
  }
  const res = await fromNode(db, { nodeName: node.name, path: `/ws/simple/file?id=${d.downloadId}`, principal: who.principal, scopes: ["files:read"], actor: who.actor });
  if (res instanceof Response) return res;
  if (res.status !== 200) return failedAnswer(node.name, res);
  await audit("node-api");
  return new Response(nodeBody(res), { headers: { ...headers, ...nodeLength(res) } });
}

/** The most bytes `?tail=` returns. */
export const MAX_TAIL = 1024 * 1024;

export type RunLogRequest = { id: string; stream: string; tail: string | null };

/**
 * A run's stdout or stderr (logs:read), from the log directory of the node that ran it or through
 * that node's API. `tail`: the last bytes only, inline, for the console's viewer, with `x-log-size`
 * (the whole log) and `x-log-start` (offset of the first byte sent), audited as `logs.read` on the
 * user's first read (see auditLogRead: the viewer polls); otherwise the whole log as an attachment
 * `<id>.<stream>.txt`, audited as `logs.download`.
 */
export async function serveRunLog(db: Db, caller: DownloadCaller, request: RunLogRequest): Promise<Response> {
  const who = authorize(caller, "logs:read");
  if (who instanceof Response) return who;
  const { id: rawId, stream, tail: rawTail } = request;
  if (!/^[1-9]\d{0,9}$/.test(rawId) || Number(rawId) > 2_147_483_647) return downloadError(400, "The run id must be a positive integer");
  if (stream !== "stdout" && stream !== "stderr") return downloadError(400, "The stream must be stdout or stderr");
  const id = Number(rawId);
  let tail: number | null = null;
  if (rawTail !== null) {
    if (!/^\d{1,8}$/.test(rawTail) || Number(rawTail) < 1 || Number(rawTail) > MAX_TAIL) {
      return downloadError(400, `tail must be a number of bytes between 1 and ${MAX_TAIL}`);
    }
    tail = Number(rawTail);
  }

  const live = await db.jobInstance.findUnique({ where: { id }, select: { node: { select: { name: true } } } });
  const run = live ? { nodeName: live.node?.name ?? null } : await db.history.findUnique({ where: { id }, select: { nodeName: true } });
  if (!run) return downloadError(404, `No run with id ${id}`);
  if (!run.nodeName) return downloadError(404, `Run ${id} has not been started by a node: it has no log`);
  const node = await db.node.findUnique({ where: { name: run.nodeName }, select: { name: true, logDir: true } });
  if (!node) return downloadError(404, `Run ${id} ran on node ${run.nodeName}, which no longer exists`);

  const found = await locateNodeFile(node.logDir, runLogFiles(node.logDir, id)[stream], `No ${stream} log for run ${id}`);
  if (found.where === "missing") return found.response;
  const tailHeaders = (size: number, start: number) => ({
    ...DOWNLOAD_HEADERS,
    "content-type": TEXT,
    "content-length": String(size - start),
    "x-log-size": String(size),
    "x-log-start": String(start),
  });
  const downloadHeaders = {
    ...DOWNLOAD_HEADERS,
    "content-type": TEXT,
    "content-disposition": contentDisposition(safeFileName(`${id}.${stream}.txt`, `${id}.log.txt`)),
  };
  const audit = (via?: "node-api") =>
    auditLogRead(db, { actor: who.actor, node: node.name, via, log: "run", runId: id, stream, whole: tail === null, ...(tail !== null ? { tail } : {}) });

  if (found.where === "local") {
    await audit();
    if (tail !== null) {
      const start = Math.max(0, found.size - tail);
      return new Response(fileStream(found.path, start, found.size), { headers: tailHeaders(found.size, start) });
    }
    return new Response(fileStream(found.path, 0, found.size), { headers: { ...downloadHeaders, "content-length": String(found.size) } });
  }

  const get = (range?: string) =>
    fromNode(db, {
      nodeName: node.name,
      path: `/ws/simple/${stream}?id=${id}`,
      principal: who.principal,
      scopes: ["logs:read"],
      actor: who.actor,
      headers: range ? { range } : {},
    });
  if (tail === null) {
    const res = await get();
    if (res instanceof Response) return res;
    if (res.status !== 200) return failedAnswer(node.name, res);
    await audit("node-api");
    return new Response(nodeBody(res), { headers: { ...downloadHeaders, ...nodeLength(res) } });
  }
  let res = await get(`bytes=-${tail}`);
  if (res instanceof Response) return res;
  // @fastify/send answers 416 to a suffix range longer than the file (and to any range of an empty
  // file) where RFC 9110 asks for the whole file. A short log is asked for as `bytes=0-` (still a
  // partial read, audited once per follower, where a whole download is audited on every call); a
  // log for which even that is unsatisfiable is empty.
  if (res.status === 416) {
    await res.body?.cancel();
    res = await get("bytes=0-");
    if (res instanceof Response) return res;
    if (res.status === 416) {
      await res.body?.cancel();
      await audit("node-api");
      return new Response("", { headers: tailHeaders(0, 0) });
    }
  }
  const answer = await nodeTail(node.name, res, tail, tailHeaders);
  // The node has already audited this read as the same user: this adds a row only if it did not.
  if (answer.status === 200) await audit("node-api");
  return answer;
}

/** Maps the node's answer to `Range: bytes=-tail` to the viewer's x-log-size / x-log-start. */
async function nodeTail(nodeName: string, res: NodeResponse, tail: number, headers: (size: number, start: number) => Record<string, string>) {
  const range = res.headers.get("content-range") ?? "";
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
    if (!m) {
      await res.body?.cancel();
      return downloadError(502, `Node ${nodeName} answered a log range without a valid Content-Range`);
    }
    const [start, end, size] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return new Response(nodeBody(res), { headers: { ...headers(size, start), "content-length": String(end - start + 1) } });
  }
  if (res.status === 200) {
    const length = res.headers.get("content-length");
    const body = nodeBody(res);
    if (!length || !/^\d{1,15}$/.test(length) || !body) {
      await res.body?.cancel();
      return downloadError(502, `Node ${nodeName} ignored the log range and sent no length`);
    }
    const size = Number(length);
    const start = Math.max(0, size - tail);
    return new Response(skipBytes(body, start), { headers: headers(size, start) });
  }
  return failedAnswer(nodeName, res);
}
