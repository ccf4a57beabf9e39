/** Host names as node APIs compare them. Client-safe: the node parameters form validates allowedHosts with it. */

/** A Host header: a DNS name or IPv4 address, or a bracketed IPv6 address, then an optional port. */
export const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;

/** The canonical form of a name or address (lower case, no trailing dot, IPv6 in brackets), or null. */
export function normalizeHostName(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return null;
  const bracketed = trimmed.includes(":") && !trimmed.startsWith("[") ? `[${trimmed}]` : trimmed;
  if (!HOST_HEADER.test(bracketed)) return null;
  try {
    return new URL(`http://${bracketed}`).hostname.replace(/\.$/, "") || null;
  } catch {
    return null;
  }
}
