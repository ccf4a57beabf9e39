/**
 * The security page's rules: pure functions from what is configured (node parameters, console
 * settings) and what was measured (NodeReport, the console's own probe) to findings and risks.
 * No I/O, no clock: `now` is always a parameter.
 *
 * Where findings go (each finding appears exactly once, so counts add up):
 * - an API's exposure rules (bind, TLS, auth, certificate expiry, listener errors) and its drift
 *   (`drift.*`: configured ≠ measured, disabled but listening) → that API's `ApiExposure.findings`;
 * - the node's health (`node.*`: never reported, stale, stopped) → `NodeSecurity.drift`;
 * - file modes (`path.*`) → `surfaces`; the console's database rules (`database.*`) → console surfaces.
 *
 * Every exposure is evaluated on both sides and the findings merged: the configured side (what the
 * node will listen on within one heartbeat, so a dangerous change shows at once) and the measured
 * side (what the node really listens on, so drift never hides a real exposure).
 */
import { isLoopbackAddress } from "~/server/domain/addresses";
import type { AuthMode, ListenerReport, MeasuredPaths, NodeMeasurement } from "~/server/domain/node-config";
import { hasPermission } from "~/server/domain/permissions";
import type { ApiExposure, ApiKind, ConsoleSettings, Endpoint, Finding, NodeConfig, NodeSecurity, Risk, SecurityReport } from "./types";

/** The APIs a node hosts (the console is evaluated by `evaluateConsole`). */
export type NodeApiKind = Exclude<ApiKind, "console">;
export const NODE_APIS: readonly NodeApiKind[] = ["simple", "client", "mgmt-local", "mgmt-remote"];

export type Reach = ApiExposure["reachableFrom"];
export type ExposurePreview = Pick<ApiExposure, "reachableFrom" | "anonymousAllowed" | "risk" | "findings">;

/** Every id a finding can have, for exports, filters and tests. */
export const FINDING_IDS = [
  "api.network-anonymous",
  "api.network-anonymous-refused",
  "api.cleartext-credentials",
  "api.certificate-unusable",
  "tls.incomplete",
  "tls.expired",
  "tls.expiring",
  "listener.error",
  "drift.pending",
  "drift.mismatch",
  "drift.disabled-but-listening",
  "node.never-reported",
  "node.stale",
  "node.stopped",
  "path.root-missing",
  "path.jobs-missing",
  "path.logs-missing",
  "path.root-writable",
  "path.jobs-writable",
  "path.deliverables-writable",
  "path.tmp-writable",
  "path.logs-writable",
  "path.logs-readable",
  "path.database-readable",
  "path.session-secret-readable",
  "path.root-password-readable",
  "path.root-password-present",
  "path.env-file-readable",
  "path.tls-key-readable",
  "payloads.not-isolated",
  "payloads.isolation-unusable",
  "console.cleartext",
  "console.session-secret-short",
  "console.session-max-age",
  "database.cleartext",
  "database.unverified-tls",
  "database.password-in-url",
] as const;
export type FindingId = (typeof FINDING_IDS)[number];

const DAY_MS = 86_400_000;
/** A certificate expiring within this window is a warning. */
export const TLS_EXPIRY_WARNING_MS = 30 * DAY_MS;
/** A report older than this many heartbeats (node still "running") is stale. */
export const STALE_AFTER_HEARTBEATS = 3;
/** A parameter change younger than this many heartbeats is "not yet applied", not a mismatch. */
export const PENDING_HEARTBEATS = 2;
export const MIN_SESSION_SECRET_LENGTH = 32;
export const MAX_SESSION_AGE_SECONDS = 24 * 3600;
const VERIFIED_SSLMODES = ["require", "verify-ca", "verify-full"];

// ---------------------------------------------------------------------------------------------
// Risks
// ---------------------------------------------------------------------------------------------

const RISK_RANK: Record<Risk, number> = { ok: 0, warning: 1, critical: 2 };

/** The worst of some risks; ok when there are none. */
export function worst(risks: Risk[]): Risk {
  return risks.reduce<Risk>((w, r) => (RISK_RANK[r] > RISK_RANK[w] ? r : w), "ok");
}

/** How many findings there are per risk. */
export function summarise(findings: Finding[]): Record<Risk, number> {
  const counts: Record<Risk, number> = { ok: 0, warning: 0, critical: 0 };
  for (const f of findings) counts[f.risk] += 1;
  return counts;
}

function addCounts(all: Record<Risk, number>[]): Record<Risk, number> {
  return all.reduce((sum, c) => ({ ok: sum.ok + c.ok, warning: sum.warning + c.warning, critical: sum.critical + c.critical }), { ok: 0, warning: 0, critical: 0 });
}

function finding(id: FindingId, risk: Risk, title: string, remediation: string): Finding {
  return { id, risk, title, remediation };
}

/** Same id from both sides: keep one, the worse. */
function mergeFindings(...lists: Finding[][]): Finding[] {
  const byId = new Map<string, Finding>();
  for (const f of lists.flat()) {
    const seen = byId.get(f.id);
    if (!seen || RISK_RANK[f.risk] > RISK_RANK[seen.risk]) byId.set(f.id, f);
  }
  return [...byId.values()];
}

// ---------------------------------------------------------------------------------------------
// Addresses
// ---------------------------------------------------------------------------------------------

/** Who can reach a listener bound to `address` (null = a Unix socket). 0.0.0.0, :: and any other address: the network. */
export function reachOf(address: string | null): "this host only" | "the network" {
  return address === null || isLoopbackAddress(address) ? "this host only" : "the network";
}

// ---------------------------------------------------------------------------------------------
// Node APIs: what is configured
// ---------------------------------------------------------------------------------------------

const API_LABEL: Record<NodeApiKind, string> = {
  simple: "simple API",
  client: "client REST API",
  "mgmt-local": "local management socket",
  "mgmt-remote": "remote management API",
};

/** The node parameter holding each API's auth mode. */
const AUTH_PARAM = { simple: "authSimple", client: "authClient", "mgmt-remote": "authMgmt" } as const;
type NetworkApi = keyof typeof AUTH_PARAM;

/** The ListenerReport `api` of each API. */
const LISTENER_API: Record<NodeApiKind, ListenerReport["api"]> = { simple: "simple", client: "client", "mgmt-local": "mgmt-local", "mgmt-remote": "mgmt" };

function isEnabled(config: NodeConfig, api: NodeApiKind): boolean {
  if (api === "client") return config.loadApiClient;
  if (api === "mgmt-remote") return config.mgmtRemotePort !== null;
  return true;
}

/** TLS as the node applies it: tlsEnabled without both PEM files serves plain HTTP. */
function effectiveTls(config: NodeConfig): boolean {
  return config.tlsEnabled && !!config.tlsCertPath && !!config.tlsKeyPath;
}

function configuredAuth(config: NodeConfig, api: NodeApiKind): AuthMode | "socket-permissions" {
  return api === "mgmt-local" ? "socket-permissions" : config[AUTH_PARAM[api]];
}

function configuredEndpoint(config: NodeConfig, api: NodeApiKind): Endpoint | null {
  if (!isEnabled(config, api)) return null;
  if (api === "mgmt-local") return { address: null, port: null, tls: false, auth: "socket-permissions" };
  return { address: config.host, port: api === "mgmt-remote" ? config.mgmtRemotePort : config.port, tls: effectiveTls(config), auth: configuredAuth(config, api) };
}

function measuredEndpoint(l: ListenerReport): NonNullable<ApiExposure["measured"]> {
  return {
    address: l.address,
    port: l.port,
    ...(l.socketPath !== undefined ? { socketPath: l.socketPath } : {}),
    tls: l.tls,
    auth: l.auth,
    ...(l.tlsSubject !== undefined ? { tlsSubject: l.tlsSubject } : {}),
    ...(l.tlsNotAfter !== undefined ? { tlsNotAfter: l.tlsNotAfter } : {}),
    ...(l.error !== undefined ? { error: l.error } : {}),
  };
}

function endpointText(e: { address: string | null; port: number | null; socketPath?: string }) {
  if (e.socketPath) return e.socketPath;
  if (e.address === null) return "a Unix socket";
  return `${e.address.includes(":") ? `[${e.address}]` : e.address}:${e.port ?? "?"}`;
}

// ---------------------------------------------------------------------------------------------
// Exposure rules, evaluated on one side (configured or measured) of one API
// ---------------------------------------------------------------------------------------------

/** One side of an exposure, as the rules see it. */
type Side = {
  reach: "this host only" | "the network";
  where: string;
  tls: boolean;
  auth: AuthMode | "socket-permissions";
  /** Anonymous calls from the network are accepted (anonymousConfirmed), not refused with 403. */
  anonymousFromNetwork: boolean;
  /** A CA is loaded to verify client certificates. */
  clientCertificates: boolean;
};

type Rule = (config: NodeConfig, api: NetworkApi, side: Side) => Finding | null;

const WHAT_ANONYMOUS_CAN_DO: Record<NetworkApi, string> = {
  simple: "anyone on the network can enqueue jobs and read their logs and files",
  client: "anyone on the network has full run control: enqueue, kill, restart, change queues, read logs and files",
  "mgmt-remote": "anyone on the network can stop the node, pause its pollers and kill runs (JQM: remote JMX \"allows to run arbitrary code\")",
};

function fixAnonymous(config: NodeConfig, api: NetworkApi): string {
  const param = AUTH_PARAM[api];
  const off = api === "client" ? ", or set loadApiClient to false" : api === "mgmt-remote" ? ", or set mgmtRemotePort to null (use the local management socket over SSH)" : "";
  return `On node ${config.name}, set ${param} to token or basic (with tlsEnabled true) or certificate, or set host to 127.0.0.1${off}.`;
}

/** Auth "none" on a network interface. The simple API is only critical when anonymous calls are really accepted; the client REST and remote management APIs must never be anonymous on a network. */
const ruleNetworkAnonymous: Rule = (config, api, side) => {
  if (side.reach !== "the network" || side.auth !== "none") return null;
  const label = `${API_LABEL[api]} of node ${config.name}`;
  if (api === "simple" && !side.anonymousFromNetwork) {
    return finding(
      "api.network-anonymous-refused",
      "warning",
      `The ${label} listens on the network (${side.where}) with ${AUTH_PARAM[api]} none: anonymous calls from the network are refused (403), so remote clients cannot use it, and one confirmation (anonymousConfirmed) would open it to anyone`,
      fixAnonymous(config, api),
    );
  }
  const refusedNote = side.anonymousFromNetwork ? "" : " (anonymous network calls are refused only while anonymousConfirmed stays false)";
  return finding("api.network-anonymous", "critical", `The ${label} is anonymous on the network (${side.where}): ${WHAT_ANONYMOUS_CAN_DO[api]}${refusedNote}`, fixAnonymous(config, api));
};

/** Passwords or bearer tokens over plain HTTP on a network interface. */
const ruleCleartextCredentials: Rule = (config, api, side) => {
  if (side.reach !== "the network" || side.tls || (side.auth !== "basic" && side.auth !== "token")) return null;
  return finding(
    "api.cleartext-credentials",
    "warning",
    `The ${API_LABEL[api]} of node ${config.name} takes ${side.auth === "basic" ? "passwords" : "API tokens"} in clear text on the network (${side.where}, no TLS)`,
    `Run jobwarden pki node ${config.name}, then set tlsEnabled to true with tlsCertPath and tlsKeyPath on node ${config.name}, or set host to 127.0.0.1.`,
  );
};

/** Certificate auth needs TLS and a CA: without them nothing can authenticate and every call is refused. */
const ruleCertificateUnusable: Rule = (config, api, side) => {
  if (side.auth !== "certificate" || (side.tls && side.clientCertificates)) return null;
  const missing = side.tls ? "no CA is set (tlsCaPath)" : "TLS is off";
  return finding(
    "api.certificate-unusable",
    "warning",
    `The ${API_LABEL[api]} of node ${config.name} requires client certificates but ${missing}: no certificate can be verified, so every call is refused`,
    `On node ${config.name}, set tlsEnabled to true with tlsCertPath, tlsKeyPath and tlsCaPath (jobwarden pki init, jobwarden pki node ${config.name}, jobwarden pki client <login>), or set ${AUTH_PARAM[api]} to token or basic.`,
  );
};

const EXPOSURE_RULES: Rule[] = [ruleNetworkAnonymous, ruleCleartextCredentials, ruleCertificateUnusable];

function exposureRules(config: NodeConfig, api: NodeApiKind, side: Side): Finding[] {
  if (api === "mgmt-local") return [];
  return EXPOSURE_RULES.map((rule) => rule(config, api, side)).filter((f): f is Finding => f !== null);
}

/** tlsEnabled without both PEM files: the node silently serves plain HTTP. */
function ruleTlsIncomplete(config: NodeConfig, api: NodeApiKind): Finding | null {
  if (api === "mgmt-local" || !config.tlsEnabled || effectiveTls(config)) return null;
  const missing = [!config.tlsCertPath && "tlsCertPath", !config.tlsKeyPath && "tlsKeyPath"].filter(Boolean).join(" and ");
  return finding(
    "tls.incomplete",
    "warning",
    `tlsEnabled is true on node ${config.name} but ${missing} is not set: its ${API_LABEL[api]} serves plain HTTP`,
    `Run jobwarden pki node ${config.name} and set tlsCertPath and tlsKeyPath on node ${config.name}.`,
  );
}

/** The listener could not open (port in use, unreadable PEM…): the node retries every heartbeat. */
function ruleListenerError(config: NodeConfig, api: NodeApiKind, l: ListenerReport): Finding | null {
  if (!l.error) return null;
  return finding(
    "listener.error",
    "warning",
    `The ${API_LABEL[api]} of node ${config.name} could not open: ${l.error}`,
    `Fix the cause on node ${config.name} (free ${endpointText(l)}, or correct its host, port, tlsCertPath or tlsKeyPath): the node retries at every heartbeat.`,
  );
}

/** Expired certificate: clients refuse the connection (or are taught to ignore TLS errors). */
function ruleTlsExpiry(config: NodeConfig, api: NodeApiKind, l: ListenerReport, now: Date): Finding | null {
  if (!l.tls || !l.tlsNotAfter) return null;
  const notAfter = new Date(l.tlsNotAfter);
  if (Number.isNaN(notAfter.getTime())) return null;
  const renew = `Renew it (jobwarden pki node ${config.name}, or a new PEM at tlsCertPath): the node reloads it at the next heartbeat.`;
  if (notAfter.getTime() < now.getTime()) {
    return finding("tls.expired", "critical", `The TLS certificate of node ${config.name}'s ${API_LABEL[api]} expired on ${l.tlsNotAfter}`, renew);
  }
  if (notAfter.getTime() - now.getTime() <= TLS_EXPIRY_WARNING_MS) {
    return finding("tls.expiring", "warning", `The TLS certificate of node ${config.name}'s ${API_LABEL[api]} expires on ${l.tlsNotAfter} (within 30 days)`, renew);
  }
  return null;
}

function configuredSide(config: NodeConfig, api: NodeApiKind): Side {
  const address = api === "mgmt-local" ? null : config.host;
  const auth = configuredAuth(config, api);
  const reach = reachOf(address);
  return {
    reach,
    where: endpointText({ address, port: api === "mgmt-remote" ? config.mgmtRemotePort : config.port }),
    tls: effectiveTls(config),
    auth,
    anonymousFromNetwork: auth === "none" && config.anonymousConfirmed && reach === "the network",
    clientCertificates: !!config.tlsCaPath,
  };
}

function measuredSide(l: ListenerReport): Side {
  return { reach: reachOf(l.address), where: endpointText(l), tls: l.tls, auth: l.auth, anonymousFromNetwork: l.anonymousFromNetwork, clientCertificates: !!l.clientCertificates };
}

/** The findings of what is configured: empty for a disabled API. */
function configuredFindings(config: NodeConfig, api: NodeApiKind): Finding[] {
  if (!isEnabled(config, api)) return [];
  return [ruleTlsIncomplete(config, api), ...exposureRules(config, api, configuredSide(config, api))].filter((f): f is Finding => f !== null);
}

function measuredFindings(config: NodeConfig, api: NodeApiKind, l: ListenerReport, now: Date): Finding[] {
  return [ruleListenerError(config, api, l), ruleTlsExpiry(config, api, l, now), ...exposureRules(config, api, measuredSide(l))].filter((f): f is Finding => f !== null);
}

// ---------------------------------------------------------------------------------------------
// Drift: configured ≠ measured
// ---------------------------------------------------------------------------------------------

function differences(config: NodeConfig, api: NodeApiKind, l: ListenerReport): string[] {
  const c = configuredEndpoint(config, api);
  if (!c) return [];
  const diffs: string[] = [];
  if (c.address !== l.address) diffs.push(`address ${c.address ?? "socket"} configured, ${l.address ?? "socket"} measured`);
  if (c.port !== null && c.port !== 0 && c.port !== l.port) diffs.push(`port ${c.port} configured, ${l.port ?? "none"} measured`);
  if (c.tls !== l.tls) diffs.push(`TLS ${c.tls ? "on" : "off"} configured, ${l.tls ? "on" : "off"} measured`);
  if (c.auth !== l.auth) diffs.push(`auth ${c.auth} configured, ${l.auth} measured`);
  if (api !== "mgmt-local") {
    const anonymous = configuredSide(config, api).anonymousFromNetwork;
    if (anonymous !== l.anonymousFromNetwork) diffs.push(`anonymous network calls ${anonymous ? "accepted" : "refused"} configured, ${l.anonymousFromNetwork ? "accepted" : "refused"} measured`);
  }
  return diffs;
}

/** Configured ≠ measured for one API of a running node: pending within two heartbeats of a change, then a mismatch; a disabled API that still listens is critical. */
function ruleDrift(config: NodeConfig, api: NodeApiKind, measurement: NodeMeasurement, l: ListenerReport | undefined, now: Date, heartbeatMs: number): Finding | null {
  if (measurement.state === "stopped") return null;
  const enabled = isEnabled(config, api);
  const label = `${API_LABEL[api]} of node ${config.name}`;
  let what: string;
  if (enabled && !l) what = `it is on in the configuration but the node does not listen on it`;
  else if (!enabled && l) what = `it is off in the configuration but the node still ${l.error ? "tries to open it" : "listens"} on ${endpointText(l)}`;
  else if (enabled && l) {
    const diffs = differences(config, api, l);
    if (diffs.length === 0) return null;
    what = diffs.join("; ");
  } else return null;

  const pending = now.getTime() - config.updatedAt.getTime() <= PENDING_HEARTBEATS * heartbeatMs;
  if (pending) {
    return finding(
      "drift.pending",
      "warning",
      `Change not yet applied (waiting for the next heartbeat) on the ${label}: ${what}`,
      `Wait one heartbeat (${Math.round(heartbeatMs / 1000)} s); if it persists, read node ${config.name}'s log for "cannot open listener".`,
    );
  }
  if (!enabled && !l!.error) {
    const enable = api === "client" ? "loadApiClient is false" : "mgmtRemotePort is null";
    return finding(
      "drift.disabled-but-listening",
      "critical",
      `The ${label} is exposed while believed off (${enable}): the node still listens on ${endpointText(l!)}`,
      `Restart node ${config.name} (jobwarden node start --name ${config.name}) so that it applies its parameters, and block port ${l!.port ?? "?"} with a firewall until it reports the API closed.`,
    );
  }
  return finding(
    "drift.mismatch",
    "warning",
    `Configured ≠ measured on the ${label}: ${what}`,
    `Read node ${config.name}'s log for "cannot open listener", fix the cause, then restart it (jobwarden node start --name ${config.name}) if it still does not apply its parameters.`,
  );
}

// ---------------------------------------------------------------------------------------------
// Node health
// ---------------------------------------------------------------------------------------------

function nodeHealth(measurement: NodeMeasurement | null, now: Date, heartbeatMs: number): NodeSecurity["health"] {
  if (!measurement) return "never reported";
  if (measurement.state === "stopped") return "stopped";
  return now.getTime() - measurement.reportedAt.getTime() > STALE_AFTER_HEARTBEATS * heartbeatMs ? "stale" : "reporting";
}

/** Never reported, stale or stopped: said, never hidden. */
function ruleHealth(config: NodeConfig, health: NodeSecurity["health"], measurement: NodeMeasurement | null): Finding | null {
  const start = `jobwarden node start --name ${config.name}`;
  switch (health) {
    case "never reported":
      return finding(
        "node.never-reported",
        "warning",
        `Node ${config.name} never reported: what it listens on and its file modes are unknown`,
        `Start it (${start}) on its machine, with a DATABASE_URL that reaches this database.`,
      );
    case "stale":
      return finding(
        "node.stale",
        "warning",
        `Node ${config.name} is stale (last report ${measurement!.reportedAt.toISOString()}): measured values may be out of date (node dead or unreachable)`,
        `Check the node process and its database connection (jobwarden node list shows its health); restart it with ${start}.`,
      );
    case "stopped":
      return finding("node.stopped", "ok", `Node ${config.name} stopped cleanly: nothing listens; file modes are from its last run`, `Nothing to do; ${start} starts it again.`);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Surfaces: file modes
// ---------------------------------------------------------------------------------------------

type PathKey = keyof MeasuredPaths;

function modeOf(paths: MeasuredPaths, key: PathKey): { path: string; bits: number } | { path: string; missing: true } | null {
  const p = paths[key];
  if (!p) return null;
  if ("missing" in p) return { path: p.path, missing: true };
  const bits = parseInt(p.mode, 8);
  return Number.isNaN(bits) ? null : { path: p.path, bits };
}

/** Directories a node cannot work without: missing is a warning. */
const REQUIRED_PATHS = { root: "path.root-missing", jobs: "path.jobs-missing", logs: "path.logs-missing" } as const satisfies Partial<Record<PathKey, FindingId>>;
/** Writable by group or others: payload (or engine) replacement = code execution. */
const CODE_PATHS = { root: "path.root-writable", jobs: "path.jobs-writable" } as const satisfies Partial<Record<PathKey, FindingId>>;
/** Writable by others: deliverables and temporary files can be swapped. */
const DATA_PATHS = { deliverables: "path.deliverables-writable", tmp: "path.tmp-writable", logs: "path.logs-writable" } as const satisfies Partial<Record<PathKey, FindingId>>;
/** Readable by group or others: these hold credentials. */
const SECRET_PATHS = {
  database: "path.database-readable",
  sessionSecret: "path.session-secret-readable",
  rootPassword: "path.root-password-readable",
  envFile: "path.env-file-readable",
  tlsKey: "path.tls-key-readable",
} as const satisfies Partial<Record<PathKey, FindingId>>;

const PATH_LABEL: Record<PathKey, string> = {
  root: "The install root (JOBWARDEN_HOME)",
  jobs: "The jobs directory",
  deliverables: "The deliverables directory",
  tmp: "The temporary directory",
  logs: "The log directory",
  database: "The SQLite database file",
  sessionSecret: "The console session secret file",
  rootPassword: "The first root password file",
  envFile: "The .env file",
  tlsKey: "The TLS private key",
};

function entries<K extends string, V>(o: Partial<Record<K, V>>): [K, V][] {
  return Object.entries(o) as [K, V][];
}

/** The install files, log files and credentials files, by their measured modes (a key not measured: no finding). */
export function evaluatePaths(paths: MeasuredPaths, who: string): Finding[] {
  const out: Finding[] = [];
  for (const [key, id] of entries(REQUIRED_PATHS)) {
    const m = modeOf(paths, key);
    if (m && "missing" in m) out.push(finding(id, "warning", `${PATH_LABEL[key]} ${m.path} of ${who} is missing`, `Create it (mkdir -p ${m.path}) owned by the service account, mode 0750.`));
  }
  for (const [key, id] of entries(CODE_PATHS)) {
    const m = modeOf(paths, key);
    if (m && "bits" in m && m.bits & 0o022) {
      out.push(
        finding(id, "critical", `${PATH_LABEL[key]} ${m.path} of ${who} is writable by group or others (${m.bits.toString(8).padStart(4, "0")}): payload replacement = code execution`, `Run chmod go-w ${m.path}.`),
      );
    }
  }
  for (const [key, id] of entries(DATA_PATHS)) {
    const m = modeOf(paths, key);
    if (m && "bits" in m && m.bits & 0o002) {
      out.push(finding(id, "warning", `${PATH_LABEL[key]} ${m.path} of ${who} is writable by others (${m.bits.toString(8).padStart(4, "0")})`, `Run chmod o-w ${m.path}.`));
    }
  }
  const logs = modeOf(paths, "logs");
  if (logs && "bits" in logs && logs.bits & 0o004) {
    out.push(
      finding(
        "path.logs-readable",
        "warning",
        `${PATH_LABEL.logs} ${logs.path} of ${who} is readable by others (${logs.bits.toString(8).padStart(4, "0")}): payload output may hold sensitive data`,
        `Run chmod o-rwx ${logs.path}.`,
      ),
    );
  }
  for (const [key, id] of entries(SECRET_PATHS)) {
    const m = modeOf(paths, key);
    if (m && "bits" in m && m.bits & 0o044) {
      out.push(finding(id, "critical", `${PATH_LABEL[key]} ${m.path} of ${who} is readable by group or others (${m.bits.toString(8).padStart(4, "0")}): it holds credentials`, `Run chmod 600 ${m.path}.`));
    }
  }
  const rootPassword = modeOf(paths, "rootPassword");
  if (rootPassword && "bits" in rootPassword) {
    out.push(
      finding(
        "path.root-password-present",
        "warning",
        `${PATH_LABEL.rootPassword} ${rootPassword.path} of ${who} still exists: it holds root's password in clear`,
        `Sign in as root and reset root's password (Users → root → Reset password, shown once): the file is then removed. Or delete it: rm ${rootPassword.path} (keep the password somewhere safe first).`,
      ),
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Payload isolation
// ---------------------------------------------------------------------------------------------

/**
 * Roles that can create or change job definitions (jd:create, jd:update, wildcards), except those
 * that already grant everything (administrators): without payload isolation they are administrators.
 */
export function jobDefinitionAuthors(roles: { name: string; permissions: readonly string[] }[]): string[] {
  return roles
    .filter((r) => !r.permissions.includes("*:*") && (hasPermission(r.permissions, "jd:create") || hasPermission(r.permissions, "jd:update")))
    .map((r) => r.name)
    .sort();
}

const PAYLOAD_ACCOUNT = "jobwarden-payload";

function isolationRemedy(node: string): string {
  return (
    `On node ${node}'s machine create an unprivileged account (useradd --system --no-create-home --shell /usr/sbin/nologin ${PAYLOAD_ACCOUNT}), ` +
    `then set node ${node}'s payload account parameter (payloadUser) to ${PAYLOAD_ACCOUNT}. A node not running as root also needs the sudoers line ` +
    `"<node account> ALL=(${PAYLOAD_ACCOUNT}) NOPASSWD: ALL" and to be a member of the account's group (README, "Payload isolation").`
  );
}

/**
 * Whether a node's payloads run as their own account: configured (payloadUser) and, once the node
 * reported it, measured. Not isolated: a job definition reads the database, the secrets and the
 * node's environment, so whoever can write one is administrator.
 */
function evaluatePayloadIsolation(config: NodeConfig, measurement: NodeMeasurement | null, authors: string[]): { payloads: NodeSecurity["payloads"]; findings: Finding[] } {
  const account = config.payloadUser?.trim() || null;
  if (!account) {
    const who = authors.length
      ? `roles other than administrator can create or change job definitions (${authors.join(", ")}): each is in effect an administrator`
      : "whoever is given jd:create or jd:update becomes in effect an administrator";
    return {
      payloads: { isolated: false, account: null, detail: "payloads run as the node's own account" },
      findings: [
        finding(
          "payloads.not-isolated",
          authors.length ? "critical" : "warning",
          `Payloads on node ${config.name} run as the node's own account: a job definition can read the database, the secrets and the node's environment; ${who}`,
          isolationRemedy(config.name),
        ),
      ],
    };
  }
  const reported = measurement?.payloadIsolation;
  if (reported?.error && reported.user === account) {
    return {
      payloads: { isolated: false, account, detail: `payload account ${account} unusable: ${reported.error}` },
      findings: [
        finding("payloads.isolation-unusable", "warning", `Node ${config.name} cannot run payloads as ${account}, so its runs fail: ${reported.error}`, isolationRemedy(config.name)),
      ],
    };
  }
  return { payloads: { isolated: true, account, detail: `payloads run as ${account}` }, findings: [] };
}

// ---------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------

function reachableFrom(config: NodeConfig, api: NodeApiKind, measurement: NodeMeasurement | null, l: ListenerReport | undefined): Reach {
  if (l) return reachOf(api === "mgmt-local" ? null : l.address);
  if (!isEnabled(config, api)) return "nobody";
  if (!measurement) return "unknown";
  if (measurement.state === "stopped") return "nobody";
  // Running, not listening yet: the change applies at the next heartbeat.
  return reachOf(api === "mgmt-local" ? null : config.host);
}

function evaluateApi(config: NodeConfig, api: NodeApiKind, measurement: NodeMeasurement | null, now: Date, heartbeatMs: number): ApiExposure {
  const l = measurement?.listeners.find((x) => x.api === LISTENER_API[api]);
  const enabled = isEnabled(config, api);
  const reach = reachableFrom(config, api, measurement, l);
  const auth = l?.auth ?? (enabled ? configuredAuth(config, api) : null);
  const drift = measurement ? ruleDrift(config, api, measurement, l, now, heartbeatMs) : null;
  const findings = mergeFindings(configuredFindings(config, api), l ? measuredFindings(config, api, l, now) : [], drift ? [drift] : []);
  return {
    node: config.name,
    api,
    enabled,
    configured: configuredEndpoint(config, api),
    measured: l ? measuredEndpoint(l) : null,
    reachableFrom: reach,
    anonymousAllowed: auth === "none" && reach !== "nobody",
    risk: worst(findings.map((f) => f.risk)),
    findings,
  };
}

/**
 * A node's APIs, surfaces and drift, from its parameters and its last report (null: never reported).
 * `jobDefAuthors`: roles other than administrator that can create or change job definitions.
 */
export function evaluateNode(config: NodeConfig, measurement: NodeMeasurement | null, now: Date, heartbeatMs: number, jobDefAuthors: string[] = []): NodeSecurity {
  const health = nodeHealth(measurement, now, heartbeatMs);
  const apis = NODE_APIS.map((api) => evaluateApi(config, api, measurement, now, heartbeatMs));
  const isolation = evaluatePayloadIsolation(config, measurement, jobDefAuthors);
  const surfaces = [...(measurement ? evaluatePaths(measurement.paths, `node ${config.name}`) : []), ...isolation.findings];
  const healthFinding = ruleHealth(config, health, measurement);
  const drift = healthFinding ? [healthFinding] : [];
  const all = [...apis.flatMap((a) => a.findings), ...surfaces, ...drift];
  return { node: config.name, health, apis, surfaces, drift, payloads: isolation.payloads, risk: worst(all.map((f) => f.risk)), counts: summarise(all) };
}

/** The exposure a node's configuration gives one API, before the change is made (no measurement, no drift). */
export function previewExposure(config: NodeConfig, api: ApiKind): ExposurePreview {
  if (api === "console") throw new Error("previewExposure evaluates node APIs; the console is evaluated by evaluateConsole");
  const findings = configuredFindings(config, api);
  const enabled = isEnabled(config, api);
  return {
    reachableFrom: enabled ? reachOf(api === "mgmt-local" ? null : config.host) : "nobody",
    anonymousAllowed: enabled && configuredAuth(config, api) === "none",
    risk: worst(findings.map((f) => f.risk)),
    findings,
  };
}

// ---------------------------------------------------------------------------------------------
// Console
// ---------------------------------------------------------------------------------------------

function isLocalDatabaseHost(host: string): boolean {
  // Empty or a directory: a Unix socket.
  return host === "" || host.startsWith("/") || isLoopbackAddress(host);
}

/** Passwords and session cookies over plain HTTP on a network interface. */
function ruleConsoleCleartext(s: ConsoleSettings, reach: Reach, https: boolean): Finding | null {
  if (reach !== "the network" || https) return null;
  return finding(
    "console.cleartext",
    "critical",
    `The console listens on the network (${endpointText({ address: s.host, port: s.port })}) over plain HTTP (${s.publicUrl}): passwords and session cookies travel in clear text and cookies are not Secure`,
    `Put a TLS reverse proxy in front of the console and set NEXTAUTH_URL=https://<its public name>/, or set CONSOLE_HOST=127.0.0.1.`,
  );
}

function ruleSessionSecret(s: ConsoleSettings): Finding | null {
  if (s.sessionSecretSource !== "environment" || s.sessionSecretLength >= MIN_SESSION_SECRET_LENGTH) return null;
  return finding(
    "console.session-secret-short",
    "critical",
    `NEXTAUTH_SECRET has ${s.sessionSecretLength} characters (fewer than ${MIN_SESSION_SECRET_LENGTH}): session cookies can be forged by brute force`,
    `Set NEXTAUTH_SECRET to at least 32 random characters (openssl rand -base64 48), or unset it so that the console generates JOBWARDEN_HOME/session-secret (0600).`,
  );
}

function ruleSessionMaxAge(s: ConsoleSettings): Finding | null {
  if (s.sessionMaxAgeSeconds <= MAX_SESSION_AGE_SECONDS) return null;
  return finding(
    "console.session-max-age",
    "warning",
    `Console sessions last ${Math.round(s.sessionMaxAgeSeconds / 3600)} h (more than 24 h): a stolen cookie stays valid that long`,
    `Set SESSION_ABSOLUTE_MAX_AGE_SECONDS=43200 (12 h), at most 86400.`,
  );
}

/** PostgreSQL: TLS and where the password lives (the SQLite file's mode is a path rule). */
export function evaluateDatabase(database: ConsoleSettings["database"]): Finding[] {
  if (database.kind !== "postgresql") return [];
  const out: Finding[] = [];
  const remote = !isLocalDatabaseHost(database.host);
  const sslmode = database.sslmode ?? "prefer (default)";
  if (remote && !VERIFIED_SSLMODES.includes(database.sslmode ?? "")) {
    out.push(
      finding(
        "database.cleartext",
        "critical",
        `The PostgreSQL database on ${database.host} is reached with sslmode=${sslmode}: credentials and data can travel in clear text`,
        `Add ?sslmode=verify-full (with sslrootcert=<CA file>) to DATABASE_URL.`,
      ),
    );
  } else if (remote && database.sslmode === "require") {
    out.push(
      finding(
        "database.unverified-tls",
        "warning",
        `The PostgreSQL database on ${database.host} is reached with sslmode=require: encrypted, but the server certificate is not verified (man in the middle)`,
        `Use sslmode=verify-full (with sslrootcert=<CA file>) in DATABASE_URL.`,
      ),
    );
  }
  if (database.passwordInUrl) {
    out.push(
      finding(
        "database.password-in-url",
        "warning",
        `The PostgreSQL password is written in DATABASE_URL: it shows in process environments, .env files and shell history`,
        `Remove it from DATABASE_URL and use a password file (PGPASSFILE, mode 0600) instead.`,
      ),
    );
  }
  return out;
}

/** The console itself: its listener, sessions and database, and the files on its machine. */
export function evaluateConsole(settings: ConsoleSettings): SecurityReport["console"] {
  const reach = reachOf(settings.host);
  const https = /^https:\/\//i.test(settings.publicUrl);
  const endpoint: Endpoint = { address: settings.host, port: settings.port, tls: https, auth: "basic" };
  const apiFindings = [ruleConsoleCleartext(settings, reach, https), ruleSessionSecret(settings), ruleSessionMaxAge(settings)].filter((f): f is Finding => f !== null);
  const api: ApiExposure = {
    node: "console",
    api: "console",
    enabled: true,
    configured: endpoint,
    // The console evaluates the settings it runs with: configured = measured.
    measured: { ...endpoint },
    reachableFrom: reach,
    anonymousAllowed: false,
    risk: worst(apiFindings.map((f) => f.risk)),
    findings: apiFindings,
  };
  const surfaces = [...evaluateDatabase(settings.database), ...evaluatePaths(settings.paths, "the console")];
  const all = [...apiFindings, ...surfaces];
  return { apis: [api], surfaces, risk: worst(all.map((f) => f.risk)), counts: summarise(all) };
}

// ---------------------------------------------------------------------------------------------
// Cluster
// ---------------------------------------------------------------------------------------------

/** The whole report: the cluster's risk is the worst of every node and the console. */
export function evaluateCluster(nodes: NodeSecurity[], consoleResult: SecurityReport["console"], now: Date): SecurityReport {
  return {
    generatedAt: now,
    nodes,
    console: consoleResult,
    cluster: { risk: worst([...nodes.map((n) => n.risk), consoleResult.risk]), counts: addCounts([...nodes.map((n) => n.counts), consoleResult.counts]) },
  };
}

/**
 * What a change newly exposes beyond this host: an API that becomes reachable from the network, or
 * that starts accepting anonymous callers from the network (authentication none is only answered
 * off this host once anonymousConfirmed is set). Setting anonymousConfirmed always counts: on
 * loopback it opens nothing yet, but arms the next change of interface. Empty when nothing gets more
 * exposed.
 */
export function newExposures(before: NodeConfig, after: NodeConfig): string[] {
  const anonymousFromNetwork = (config: NodeConfig, api: ApiKind) => {
    const p = previewExposure(config, api);
    return p.reachableFrom === "the network" && p.anonymousAllowed && config.anonymousConfirmed;
  };
  const exposures = (["simple", "client", "mgmt-remote"] as const).flatMap((api) => {
    const label = API_LABEL[api];
    const was = previewExposure(before, api);
    const will = previewExposure(after, api);
    if (will.reachableFrom !== "the network") return [];
    const anonymous = anonymousFromNetwork(after, api);
    if (was.reachableFrom !== "the network") return [`the ${label} becomes reachable from the network${anonymous ? " without authentication" : ""}`];
    if (anonymous && !anonymousFromNetwork(before, api)) return [`the ${label} accepts anonymous callers from the network`];
    return [];
  });
  if (after.anonymousConfirmed && !before.anonymousConfirmed && !exposures.some((e) => e.includes("anonymous") || e.includes("without authentication"))) {
    exposures.push("any API with authentication none will accept anonymous callers from the network once it listens there (anonymousConfirmed)");
  }
  return exposures;
}
