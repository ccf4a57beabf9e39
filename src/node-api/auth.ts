import { createHash } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApiAuthMode } from "~/generated/sqlite/enums";
import type { Db } from "~/server/db";
import { isLoopbackAddress } from "~/server/domain/addresses";
import { hasPermission } from "~/server/domain/permissions";
import { findApiToken } from "~/server/services/auth/api-tokens";
import { getPrincipal } from "~/server/services/auth/get-principal";
import { verifyCredentials } from "~/server/services/auth/verify-credentials";
import { AppError } from "~/server/services/errors";
import type { Caller } from "./types";

/** Successful basic-auth checks are remembered briefly: argon2 per request would cap throughput. */
const basicCache = new Map<string, { userId: number; until: number }>();
const BASIC_CACHE_MS = 60_000;

function unauthorized(reply: FastifyReply, mode: ApiAuthMode, message: string) {
  if (mode === "basic") reply.header("www-authenticate", 'Basic realm="jobwarden", charset="UTF-8"');
  if (mode === "token") reply.header("www-authenticate", 'Bearer realm="jobwarden"');
  return reply.code(401).send({ error: "Unauthorized", message });
}

async function identify(db: Db, req: FastifyRequest, mode: ApiAuthMode): Promise<{ userId: number; scopes: string[] | null } | string> {
  const header = req.headers.authorization ?? "";
  // A bearer API token is accepted in basic mode too: it is stronger than a password (random,
  // scoped, expiring), and it is how the console fetches files and logs for its signed-in user.
  const bearer = mode === "basic" || mode === "token" ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (bearer) {
    const token = await findApiToken(db, bearer[1]!);
    return token ?? "Unknown, revoked or expired API token";
  }
  if (mode === "basic") {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    if (!m) return "Basic authentication (or a bearer API token) is required";
    const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 1) return "Malformed basic credentials";
    const key = createHash("sha256").update(decoded).digest("hex");
    const cached = basicCache.get(key);
    if (cached && cached.until > Date.now()) return { userId: cached.userId, scopes: null };
    try {
      const user = await verifyCredentials(db, {
        login: decoded.slice(0, colon),
        password: decoded.slice(colon + 1),
        fromAddress: req.ip,
        userAgent: req.headers["user-agent"] ?? null,
        auditSuccess: false,
      });
      basicCache.set(key, { userId: user.id, until: Date.now() + BASIC_CACHE_MS });
      if (basicCache.size > 10_000) basicCache.clear();
      return { userId: user.id, scopes: null };
    } catch (e) {
      if (e instanceof AppError) return e.message;
      throw e;
    }
  }
  if (mode === "token") return "A bearer API token is required";
  // certificate: the TLS layer verified the chain against the configured CA; CN = login.
  const socket = req.raw.socket as Partial<TLSSocket>;
  if (!socket.encrypted) return "Client certificate authentication needs TLS";
  if (!socket.authorized) return `No valid client certificate (${String(socket.authorizationError ?? "none presented")})`;
  const cn = socket.getPeerCertificate?.()?.subject?.CN;
  const login = Array.isArray(cn) ? cn[0] : cn;
  if (!login) return "The client certificate has no CN";
  const user = await db.user.findUnique({ where: { login }, select: { id: true } });
  return user ? { userId: user.id, scopes: null } : `No user ${login} for this certificate`;
}

export type AuthSettings = {
  mode: ApiAuthMode;
  anonymousOnNetwork: boolean;
  /** The Unix socket: its 0600 mode already restricts callers to the node's account. */
  localSocket?: boolean;
};

/**
 * Authenticates every request of an API (except routes marked `anonymous`) and enforces each
 * route's `permission` with the console's RBAC. Anonymous (`none`) is accepted from loopback, and
 * from the network only when an admin confirmed it for this node.
 */
export function registerAuth(app: FastifyInstance, db: Db, settings: () => AuthSettings) {
  if (!app.hasRequestDecorator("caller")) app.decorateRequest("caller", null as unknown as Caller);
  app.addHook("preHandler", async (req, reply) => {
    const config = req.routeOptions.config;
    const { mode, anonymousOnNetwork, localSocket } = settings();
    const fromAddress = req.ip;
    if (config.anonymous || mode === "none") {
      if (!config.anonymous && !localSocket && !anonymousOnNetwork && !isLoopbackAddress(req.socket.remoteAddress)) {
        return reply.code(403).send({
          error: "Forbidden",
          message: "Anonymous access to this API is only accepted from this host: configure authentication, or confirm anonymous network access",
        });
      }
      const login = localSocket ? "local-management" : "anonymous";
      req.caller = { principal: null, scopes: null, authMode: "none", actor: { userId: null, login, fromAddress: localSocket ? "unix socket" : fromAddress } };
      return;
    }
    const who = await identify(db, req, mode);
    if (typeof who === "string") return unauthorized(reply, mode, who);
    const principal = await getPrincipal(db, who.userId);
    if (!principal) return unauthorized(reply, mode, "This account is locked or expired");
    req.caller = {
      principal,
      scopes: who.scopes,
      authMode: mode,
      actor: { userId: principal.id, login: principal.login, fromAddress, userAgent: req.headers["user-agent"] ?? null },
    };
    const permission = config.permission;
    if (permission && !callerMay(req.caller, permission)) {
      return reply.code(403).send({ error: "Forbidden", message: `Permission ${permission} is required` });
    }
  });
}

export function callerMay(caller: Caller, permission: Parameters<typeof hasPermission>[1]) {
  if (!caller.principal) return true;
  return hasPermission(caller.principal.permissions, permission) && (caller.scopes === null || hasPermission(caller.scopes, permission));
}
