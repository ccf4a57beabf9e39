/**
 * The security page's model: what is configured (Node rows, console settings), what was measured
 * (NodeReport, the console's own probe), and the findings evaluated from both.
 */
import type { AuthMode, MeasuredPaths, NodeListenerConfig } from "~/server/domain/node-config";

export type Risk = "ok" | "warning" | "critical";
export type ApiKind = "simple" | "client" | "mgmt-local" | "mgmt-remote" | "console";

/** A node's parameters as the evaluator judges them. */
export type NodeConfig = Omit<NodeListenerConfig, "allowedHosts"> & {
  enabled: boolean;
  lastSeenAlive: Date | null;
  /** When the node parameters last changed (a node has one heartbeat to apply them). */
  updatedAt: Date;
  /** The OS account payloads run as; null: the node's own (not isolated). */
  payloadUser?: string | null;
  /** Further names the node APIs accept in Host (comma-separated), besides the node's own. */
  allowedHosts?: string;
};

export type ConsoleSettings = {
  host: string;
  port: number;
  /** NEXTAUTH_URL or the URL the console serves; https → TLS in front of the console and Secure cookies. */
  publicUrl: string;
  sessionSecretSource: "environment" | "file";
  sessionSecretLength: number;
  /** The longest a session lasts however often it is refreshed (SESSION_ABSOLUTE_MAX_AGE_SECONDS). */
  sessionMaxAgeSeconds: number;
  database: { kind: "sqlite"; file: string } | { kind: "postgresql"; host: string; sslmode: string | null; passwordInUrl: boolean };
  /** The console's own measurement of the files on its machine. */
  paths: MeasuredPaths;
};

export type Finding = {
  /** Stable id, e.g. "api.network-anonymous", "path.jobs-writable", for tests and exports. */
  id: string;
  risk: Risk;
  title: string;
  /** The exact action to take. */
  remediation: string;
};

export type Endpoint = { address: string | null; port: number | null; socketPath?: string; tls: boolean; auth: AuthMode | "socket-permissions" };

export type ApiExposure = {
  node: string;
  api: ApiKind;
  enabled: boolean;
  configured: Endpoint | null;
  measured: (Endpoint & { tlsSubject?: string; tlsNotAfter?: string; error?: string }) | null;
  reachableFrom: "this host only" | "the network" | "nobody" | "unknown";
  anonymousAllowed: boolean;
  risk: Risk;
  findings: Finding[];
};

export type NodeSecurity = {
  node: string;
  health: "reporting" | "stale" | "stopped" | "never reported";
  apis: ApiExposure[];
  /** Install files, log files, database file: the install's other attack surfaces, as this node measured them. */
  surfaces: Finding[];
  drift: Finding[];
  /** Whether the node's payloads run as an unprivileged account of their own. */
  payloads: { isolated: boolean; account: string | null; detail: string };
  risk: Risk;
  counts: Record<Risk, number>;
};

export type SecurityReport = {
  generatedAt: Date;
  nodes: NodeSecurity[];
  console: { apis: ApiExposure[]; surfaces: Finding[]; risk: Risk; counts: Record<Risk, number> };
  cluster: { risk: Risk; counts: Record<Risk, number> };
};
