import { randomBytes } from "node:crypto";
import { BlockList, isIP } from "node:net";

/**
 * Set on every request by the request guard (src/server/auth/request-guard.ts, in front of Next.js in
 * src/server/console-server.ts), which overwrites whatever a client sent under this name.
 */
export const CLIENT_ADDRESS_HEADER = "x-jobwarden-client-address";

const TOKEN = Symbol.for("jobwarden.clientAddressToken");

/**
 * The header's value: the address behind a secret of this process, so that a value a client sent
 * itself (a request the guard did not see, e.g. under `next dev`) is never believed.
 */
export function stampClientAddress(address: string): string {
  const state = globalThis as { [TOKEN]?: string };
  state[TOKEN] ??= randomBytes(16).toString("hex");
  return `${state[TOKEN]} ${address}`;
}

/**
 * The caller's address: the socket's peer, or what a trusted proxy forwarded (TRUSTED_PROXIES).
 * Used for audit and rate limiting only, never for authorisation.
 */
export function clientAddress(headers: Headers): string | null {
  const [token, address] = (headers.get(CLIENT_ADDRESS_HEADER) ?? "").split(" ");
  const expected = (globalThis as { [TOKEN]?: string })[TOKEN];
  return expected && token === expected && address ? address : null;
}

/** `::ffff:127.0.0.1` (an IPv4 peer of a dual-stack socket) as `127.0.0.1`. */
export function normalizeAddress(address: string | undefined | null): string | null {
  if (!address) return null;
  const trimmed = address.trim().replace(/^\[(.*)\]$/, "$1");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  const value = mapped ? mapped[1]! : trimmed;
  return isIP(value) ? value : null;
}

/** Whether `entry` is an IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrRange(entry: string): boolean {
  const [address, prefix, extra] = entry.split("/");
  const family = isIP(address ?? "");
  if (!family || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** TRUSTED_PROXIES: comma-separated addresses and CIDR ranges; an empty list trusts no one. */
export function parseTrustedProxies(list: string): BlockList {
  const blocks = new BlockList();
  for (const entry of list.split(",").map((e) => e.trim()).filter(Boolean)) {
    if (!isAddressOrRange(entry)) throw new Error(`Not an IP address or CIDR range: ${entry}`);
    const [address, prefix] = entry.split("/") as [string, string | undefined];
    const type = isIP(address) === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) blocks.addAddress(address, type);
    else blocks.addSubnet(address, Number(prefix), type);
  }
  return blocks;
}

export function isTrusted(trusted: BlockList, address: string) {
  return trusted.check(address, isIP(address) === 4 ? "ipv4" : "ipv6");
}

/**
 * The client behind `peer`. A peer outside `trusted` is the client, whatever it claims to forward.
 * From a trusted peer, X-Forwarded-For is read from the right (each proxy appends the address it
 * received from): the first hop that is not itself a trusted proxy is the client, as entries to its
 * left were written by that client and prove nothing.
 */
export function resolveClientAddress(peer: string | undefined, forwardedFor: string | undefined, trusted: BlockList): string | null {
  let client = normalizeAddress(peer);
  if (!client || !isTrusted(trusted, client)) return client;
  const hops = (forwardedFor ?? "").split(",").map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i]);
    if (!hop) break;
    client = hop;
    if (!isTrusted(trusted, hop)) break;
  }
  return client;
}
