import { networkInterfaces } from "node:os";
import { Agent, type Response, fetch } from "undici";
import type { Db } from "~/server/db";
import type { Permission } from "~/server/domain/permissions";
import type { Actor } from "~/server/services/audit/create-audit-event";
import { createApiToken } from "~/server/services/auth/api-tokens";
import type { Principal } from "~/server/services/auth/get-principal";
import { AppError } from "~/server/services/errors";
import { LIVENESS_SELECT, livenessClock, nodeHealth } from "./node-health";
import type { ListenerReport } from "~/server/domain/node-config";
import { isLoopbackAddress } from "~/server/domain/addresses";

/** Connecting and receiving the response headers each get this long. */
export const NODE_API_TIMEOUT_MS = 10_000;
export const PROXY_TOKEN_NAME = "console proxy";
const TOKEN_LIFETIME_MS = 60_000;
/** A cached token is reused only while it has at least this long to live. */
const TOKEN_REUSE_MARGIN_MS = 20_000;

/**
 * The console could not get an answer from a node's API: 502 (unreachable, refused, misconfigured)
 * or 504 (timed out).
 */
export class NodeApiError extends AppError {
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(status === 502 ? "BAD_GATEWAY" : "GATEWAY_TIMEOUT", message);
  }
}

// HTTPS verifies the node's certificate against Node.js's CA list plus NODE_EXTRA_CA_CERTS (or the
// system store when the console runs with --use-system-ca), with the usual host-name check.
const agent = new Agent({
  connect: { timeout: NODE_API_TIMEOUT_MS },
  headersTimeout: NODE_API_TIMEOUT_MS,
  bodyTimeout: 60_000,
});

type Interface = { name: string; address: string; family: string | number; internal: boolean };

const isV6 = (i: Interface) => i.family === "IPv6" || i.family === 6;
const reachable = (i: Interface) => !i.internal && !i.address.toLowerCase().startsWith("fe80:");

function thisMachineAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((l) => l ?? [])
    .filter((i) => !i.internal)
    .map((i) => i.address)
    .sort();
}

/** The node's reported interfaces are this machine's: its loopback is ours. */
export function sameMachine(nodeInterfaces: Interface[], ours: string[] = thisMachineAddresses()) {
  const theirs = [...new Set(nodeInterfaces.filter((i) => !i.internal).map((i) => i.address))].sort();
  return theirs.length === ours.length && theirs.every((a, i) => a === ours[i]);
}

/**
 * Where to reach a listener: its own address, or for a wildcard (0.0.0.0, ::) an external address
 * of the node (same family first), loopback as a last resort. Loopback is only used when the node
 * runs on this machine: elsewhere it would reach a service of the console's host instead.
 */
export function nodeApiHost(nodeName: string, address: string | null, interfaces: Interface[], ours?: string[]): string {
  const bracket = (a: string) => (a.includes(":") ? `[${a}]` : a);
  const loopback = (a: string) => {
    if (!sameMachine(interfaces, ours)) {
      throw new NodeApiError(
        502,
        `Node ${nodeName} serves its API on loopback only (${address}) and runs on another host: bind it to an address this console can reach`,
      );
    }
    return bracket(a);
  };
  if (!address) throw new NodeApiError(502, `Node ${nodeName} reports no address for its simple API`);
  if (address === "0.0.0.0" || address === "::") {
    const v6 = address === "::";
    const candidates = interfaces.filter(reachable);
    const pick = candidates.find((i) => isV6(i) === v6) ?? (v6 ? candidates[0] : undefined);
    return pick ? bracket(pick.address) : loopback(v6 ? "::1" : "127.0.0.1");
  }
  return isLoopbackAddress(address) ? loopback(address) : bracket(address);
}

const tokens = new WeakMap<Db, Map<string, { token: string; expiresAt: number }>>();

/**
 * A 60-second token of the signed-in user, limited to `scopes`, so that the node re-checks that
 * user's permissions and audits as them. Tokens are not revoked after the response: they are reused
 * by the same user for the same scopes while they have 20 s left (a log viewer polls every 2 s, and
 * each token costs a write and an audit event), then simply expire. The node checks a token when a
 * request starts only, so a download may outlive it.
 */
async function proxyToken(db: Db, principal: Principal, scopes: Permission[], actor: Actor) {
  const key = `${principal.id}\n${[...scopes].sort().join(",")}`;
  let perDb = tokens.get(db);
  if (!perDb) tokens.set(db, (perDb = new Map()));
  const now = Date.now();
  const cached = perDb.get(key);
  if (cached && cached.expiresAt - now >= TOKEN_REUSE_MARGIN_MS) return cached.token;
  for (const [k, v] of perDb) if (v.expiresAt <= now) perDb.delete(k);
  const expiresAt = new Date(now + TOKEN_LIFETIME_MS);
  const { token } = await createApiToken(db, { actor, login: principal.login, name: PROXY_TOKEN_NAME, scopes, expiresAt });
  perDb.set(key, { token, expiresAt: expiresAt.getTime() });
  return token;
}

function connectionError(nodeName: string, url: URL, err: unknown): NodeApiError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (err as { code?: string }).code ?? "";
  const where = `node ${nodeName} at ${url.host}`;
  if (code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "ETIMEDOUT") {
    return new NodeApiError(504, `No answer from ${where} within ${NODE_API_TIMEOUT_MS / 1000} s`);
  }
  if (code === "ECONNREFUSED") return new NodeApiError(502, `Cannot reach ${where}: connection refused (is the node running?)`);
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code)) {
    return new NodeApiError(
      502,
      `The TLS certificate of ${where} is not trusted (${code}): give the console its CA with NODE_EXTRA_CA_CERTS, and make sure the certificate names that address`,
    );
  }
  return new NodeApiError(502, `Cannot reach ${where}: ${code || cause?.message || (err as Error).message || "connection failed"}`);
}

export type NodeApiFetchOptions = {
  nodeName: string;
  /** Path and query on the node, e.g. `/ws/simple/file?id=…`. */
  path: string;
  /** The signed-in user the request is made for. */
  principal: Principal;
  /** The permissions the request needs: the token is limited to them. */
  scopes: Permission[];
  headers?: Record<string, string>;
  /** Who mints the token (audited as `api_token.create`); defaults to the principal. */
  actor?: Actor;
};

/**
 * GETs `path` from the simple API of the node `nodeName`, at the address its last NodeReport lists,
 * authenticated as `principal` when the node requires it. Any HTTP answer is returned as is (the
 * caller maps the node's status); not reaching the node throws NodeApiError (502 or 504).
 */
export async function nodeApiFetch(db: Db, { nodeName, path, principal, scopes, headers = {}, actor }: NodeApiFetchOptions): Promise<Response> {
  if (!path.startsWith("/ws/simple/")) throw new Error(`not a simple API path: ${path}`);
  const node = await db.node.findUnique({
    where: { name: nodeName },
    select: { name: true, authSimple: true, ...LIVENESS_SELECT, report: { select: { listeners: true, interfaces: true } } },
  });
  if (!node) throw new NodeApiError(502, `Node ${nodeName} does not exist`);
  const health = nodeHealth(node, await livenessClock(db));
  if (health === "never started" || health === "dead") {
    const since = node.lastSeenAlive ? ` (last heartbeat ${node.lastSeenAlive.toISOString()})` : "";
    throw new NodeApiError(502, `Node ${nodeName} is not running${since}: its files and logs can only be fetched through its API while it runs`);
  }
  const listeners = (node.report?.listeners ?? []) as ListenerReport[];
  const listener = listeners.find((l) => l.api === "simple");
  if (!node.report || !listener) throw new NodeApiError(502, `Node ${nodeName} has not reported a simple API listener`);
  if (listener.error || !listener.port) {
    throw new NodeApiError(502, `The simple API of node ${nodeName} is not listening${listener.error ? `: ${listener.error}` : ""}`);
  }
  const modes = [listener.auth, node.authSimple];
  if (modes.includes("certificate")) throw new NodeApiError(502, `Node ${nodeName} requires client certificates; the console cannot fetch from it`);

  const host = nodeApiHost(nodeName, listener.address, (node.report.interfaces ?? []) as Interface[]);
  const url = new URL(`${listener.tls ? "https" : "http"}://${host}:${listener.port}${path}`);
  const auth: Record<string, string> = {};
  if (modes.includes("basic") || modes.includes("token")) {
    const token = await proxyToken(db, principal, scopes, actor ?? { userId: principal.id, login: principal.login });
    auth.authorization = `Bearer ${token}`;
  }
  try {
    return await fetch(url, { dispatcher: agent, redirect: "manual", headers: { ...headers, ...auth, "user-agent": "jobwarden-console" } });
  } catch (err) {
    throw connectionError(nodeName, url, err);
  }
}

/** The node's own error message (JSON `message`), shortened; the body is consumed. */
export async function nodeErrorMessage(res: Response): Promise<string> {
  const text = (await res.text().catch(() => "")).slice(0, 2000);
  let message = text;
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === "string") message = parsed.message;
  } catch {
    // not JSON: keep the text
  }
  message = message.replace(/\s+/g, " ").trim();
  return message.length > 300 ? `${message.slice(0, 300)}…` : message || `HTTP ${res.status}`;
}

/**
 * A node's failure answer for the console: its 404 stays a 404 (the file is gone), its 403 a 403
 * (the user lacks a permission there), anything else is a 502 naming the node.
 */
export async function nodeFailure(nodeName: string, res: Response): Promise<{ status: 403 | 404 | 502; message: string }> {
  const message = await nodeErrorMessage(res);
  if (res.status === 404) return { status: 404, message };
  if (res.status === 403) return { status: 403, message: `Node ${nodeName} refused: ${message}` };
  return { status: 502, message: `Node ${nodeName} answered ${res.status}: ${message}` };
}
