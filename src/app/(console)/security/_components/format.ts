import type { ApiExposure, ApiKind, Endpoint, Risk } from "~/security/types";

export const API_LABEL: Record<ApiKind, string> = {
  simple: "Simple API",
  client: "Client REST API",
  "mgmt-local": "Local management",
  "mgmt-remote": "Remote management",
  console: "Console",
};

export const RISK_ORDER: Record<Risk, number> = { critical: 0, warning: 1, ok: 2 };

/** host:port with IPv6 addresses in brackets, the socket path, or "Unix socket". */
export function endpointAddress(e: Pick<Endpoint, "address" | "port" | "socketPath">): string {
  if (e.socketPath) return e.socketPath;
  if (e.address === null) return "Unix socket";
  const port = e.port === null ? "?" : e.port === 0 ? "any free port" : String(e.port);
  return `${e.address.includes(":") ? `[${e.address}]` : e.address}:${port}`;
}

export function authLabel(auth: Endpoint["auth"]): string {
  return auth === "socket-permissions" ? "socket file mode" : `auth ${auth}`;
}

/**
 * Where what the node measured differs from what is configured (the evaluator's rules: address,
 * port unless "any free port", TLS, auth). Empty when they agree or nothing is measured yet;
 * `drift.*` findings of the API also count, so the highlight never disagrees with the findings.
 */
export function endpointDrift(api: ApiExposure, measuring: boolean): string[] {
  const { configured: c, measured: m } = api;
  const flagged = api.findings.some((f) => f.id.startsWith("drift."));
  const diffs: string[] = [];
  if (measuring) {
    if (c && !m && api.enabled) diffs.push("not listening");
    else if (!c && m) diffs.push("listening although off");
    else if (c && m) {
      if (c.address !== m.address) diffs.push("address");
      if (c.port !== null && c.port !== 0 && c.port !== m.port) diffs.push("port");
      if (c.tls !== m.tls) diffs.push("TLS");
      if (c.auth !== m.auth) diffs.push("authentication");
    }
  }
  if (flagged && diffs.length === 0) diffs.push("see the drift finding");
  return diffs;
}

/** "reachable from the network", "not reachable", … for the confirmation dialog. */
export function reachableText(reachableFrom: ApiExposure["reachableFrom"]): string {
  switch (reachableFrom) {
    case "nobody":
      return "not reachable (off)";
    case "unknown":
      return "reachability unknown";
    default:
      return `reachable from ${reachableFrom}`;
  }
}
