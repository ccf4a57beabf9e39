/**
 * A node as configured (its Node row) and as measured (its NodeReport): the shapes the engine, the
 * node APIs, the security evaluator, the services and the console share.
 */
export const AUTH_MODES = ["none", "basic", "token", "certificate"] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** The node APIs: JQM's simple and client APIs, and remote management (our JMX). */
export type ApiName = "simple" | "client" | "mgmt";

/** The node parameters that shape its listeners. */
export type NodeListenerConfig = {
  name: string;
  host: string;
  port: number;
  loadApiClient: boolean;
  mgmtRemotePort: number | null;
  tlsEnabled: boolean;
  tlsCertPath: string | null;
  tlsKeyPath: string | null;
  tlsCaPath: string | null;
  authSimple: AuthMode;
  authClient: AuthMode;
  authMgmt: AuthMode;
  anonymousConfirmed: boolean;
  /** Further names the APIs accept in Host (comma-separated), besides the node's own. */
  allowedHosts: string;
};

/** What the node really listens on, for NodeReport (the security page compares it with Node). */
export type ListenerReport = {
  api: ApiName | "mgmt-local";
  address: string | null;
  port: number | null;
  socketPath?: string;
  tls: boolean;
  tlsSubject?: string;
  tlsNotAfter?: string;
  clientCertificates?: boolean;
  auth: AuthMode | "socket-permissions";
  anonymousFromNetwork: boolean;
  error?: string;
};

/** Permission bits of a path as a node or the console measured them (`mode` is octal, e.g. "0640"). */
export type PathMode = { path: string; mode: string; uid: number; gid: number; kind: "dir" | "file" | "other" } | { path: string; missing: true };

/** What a node measures about the files of its attack surface. */
export type MeasuredPaths = Partial<
  Record<"root" | "jobs" | "deliverables" | "tmp" | "logs" | "database" | "sessionSecret" | "rootPassword" | "envFile" | "tlsKey", PathMode>
>;

/** What a node reports about its payload isolation (engine-node.ts, report counters). */
export type PayloadIsolationReport = { isolated: boolean; user: string | null; via?: string | null; error?: string };

/** A node's NodeReport as the security evaluator reads it. */
export type NodeMeasurement = {
  reportedAt: Date;
  /** "running" or "stopped" (clean stop). */
  state: string;
  listeners: ListenerReport[];
  paths: MeasuredPaths;
  /** Absent from nodes older than payload isolation. */
  payloadIsolation?: PayloadIsolationReport;
};
