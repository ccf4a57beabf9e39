import { hostname, networkInterfaces } from "node:os";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HOST_HEADER, normalizeHostName } from "~/server/domain/host-names";

type Interface = { address: string; internal: boolean };

/** What decides which Host names a listener answers to. */
export type HostPolicy = {
  /** The listener's bind address (node parameter `host`). */
  bindAddress: string;
  /** Node parameter `allowedHosts`: further names or addresses, comma-separated. */
  allowedHosts: string;
  /** This machine's interfaces (read when a wildcard bind meets an unknown name: addresses change). */
  interfaces: () => Interface[];
  hostName: string;
};

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

const isWildcard = (address: string) => address === "0.0.0.0" || address === "::";
const isLoopbackBind = (address: string) => address === "localhost" || address === "::1" || address.startsWith("127.");

/** The names and addresses a listener answers to, without this machine's interface addresses. */
function fixedNames(policy: HostPolicy): Set<string> {
  const names = [policy.hostName, ...policy.allowedHosts.split(",")];
  if (!isWildcard(policy.bindAddress)) names.push(policy.bindAddress);
  if (isWildcard(policy.bindAddress) || isLoopbackBind(policy.bindAddress)) names.push(...LOOPBACK_NAMES);
  return new Set(names.map(normalizeHostName).filter((n): n is string => n !== null));
}

/**
 * Whether `host` (a Host header, port included) names this node: loopback names when the listener is
 * reachable through loopback, its bind address, every interface address when it is bound to all
 * interfaces, the machine's host name, and `allowedHosts`. Any port is accepted: reverse proxies and
 * port forwarding change it, and the name alone is what DNS rebinding cannot forge.
 */
export function isNodeHost(host: string, policy: HostPolicy): boolean {
  if (!HOST_HEADER.test(host)) return false;
  const name = normalizeHostName(host.replace(/:\d{1,5}$/, ""));
  if (name === null) return false;
  if (fixedNames(policy).has(name)) return true;
  if (!isWildcard(policy.bindAddress)) return false;
  return policy.interfaces().some((i) => normalizeHostName(i.address.split("%")[0]!) === name);
}

/** What the guard needs to know about the listener, read at each request (parameters change live). */
export type GuardSettings = { nodeName: string; bindAddress: string; allowedHosts: string; tls: boolean };

function refuse(reply: FastifyReply, status: 403 | 421, message: string) {
  return reply.code(status).header("cache-control", "no-store").send({ error: status === 403 ? "Forbidden" : "Misdirected Request", message });
}

/** A browser request from another origin, as Sec-Fetch-Site and Origin tell it; null when it is not one. */
function crossSite(req: FastifyRequest, tls: boolean): string | null {
  const site = req.headers["sec-fetch-site"];
  if (site !== undefined && site !== "same-origin" && site !== "none") return `Sec-Fetch-Site: ${String(site)}`;
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  const own = `${tls ? "https" : "http"}://${req.headers.host ?? ""}`;
  try {
    if (new URL(origin).origin === new URL(own).origin) return null;
  } catch {
    // an Origin that does not parse ("null", garbage) is not this node's
  }
  return `Origin ${origin.slice(0, 200)}`;
}

/**
 * Refuses, before any body is read or any route runs, what only a browser tricked by a web page
 * sends: a Host that is not one of the node's names (DNS rebinding: 421) and a cross-site request
 * (drive-by CSRF: 403). Requests without Origin or Sec-Fetch-* headers (curl, the CLI, the
 * console's proxy, payloads) are unaffected.
 */
export function registerRequestGuard(app: FastifyInstance, settings: () => GuardSettings) {
  app.addHook("onRequest", async (req, reply) => {
    const { nodeName, bindAddress, allowedHosts, tls } = settings();
    const host = req.headers.host;
    if (host !== undefined && !isNodeHost(host, { bindAddress, allowedHosts, hostName: hostname(), interfaces: () => Object.values(networkInterfaces()).flatMap((l) => l ?? []) })) {
      return refuse(
        reply,
        421,
        `Host ${host.slice(0, 200)} is not a name of node ${nodeName}: call it by its address or host name, or add this name to the node parameter allowedHosts (comma-separated)`,
      );
    }
    const why = crossSite(req, tls);
    if (why) {
      return refuse(reply, 403, `Cross-site browser requests are refused (${why}): node APIs are called by scripts and servers, not from web pages of other sites`);
    }
  });
}
