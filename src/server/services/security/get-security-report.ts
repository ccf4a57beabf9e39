import type { DbOrTx } from "~/server/db";
import { HEARTBEAT_INTERVAL_MS } from "~/server/services/nodes/node-health";
import { probeConsole } from "~/security/console-probe";
import { evaluateCluster, evaluateConsole, evaluateNode, jobDefinitionAuthors } from "~/security/evaluate";
import type { NodeConfig } from "~/security/types";
import type { ListenerReport, MeasuredPaths, NodeMeasurement, PayloadIsolationReport } from "~/server/domain/node-config";

type NodeWithReport = NonNullable<Awaited<ReturnType<typeof loadNodes>>>[number];

function loadNodes(db: DbOrTx) {
  return db.node.findMany({ orderBy: { name: "asc" }, include: { report: true } });
}

export function toNodeConfig(n: NodeWithReport): NodeConfig {
  return {
    name: n.name,
    host: n.host,
    port: n.port,
    loadApiClient: n.loadApiClient,
    mgmtRemotePort: n.mgmtRemotePort,
    tlsEnabled: n.tlsEnabled,
    tlsCertPath: n.tlsCertPath,
    tlsKeyPath: n.tlsKeyPath,
    tlsCaPath: n.tlsCaPath,
    authSimple: n.authSimple,
    authClient: n.authClient,
    authMgmt: n.authMgmt,
    anonymousConfirmed: n.anonymousConfirmed,
    enabled: n.enabled,
    lastSeenAlive: n.lastSeenAlive,
    updatedAt: n.updatedAt,
    payloadUser: n.payloadUser,
    allowedHosts: n.allowedHosts,
  };
}

export function toMeasurement(n: NodeWithReport): NodeMeasurement | null {
  if (!n.report) return null;
  return {
    reportedAt: n.report.reportedAt,
    state: (n.report.counters as { state?: string } | null)?.state ?? "running",
    listeners: (n.report.listeners ?? []) as ListenerReport[],
    paths: (n.report.pathModes ?? {}) as MeasuredPaths,
    payloadIsolation: (n.report.counters as { payloadIsolation?: PayloadIsolationReport } | null)?.payloadIsolation,
  };
}

/** Addresses a node may bind to: loopback, all interfaces, or one it reported itself. */
export function bindChoices(n: NodeWithReport) {
  const reported = ((n.report?.interfaces ?? []) as { name: string; address: string; family: string; internal: boolean }[]).filter((i) => !i.internal);
  return [
    { address: "127.0.0.1", label: "Loopback (this host only)" },
    { address: "0.0.0.0", label: "All IPv4 interfaces" },
    { address: "::", label: "All interfaces (IPv6 and IPv4)" },
    ...reported.map((i) => ({ address: i.address, label: `${i.name} (${i.address})` })),
  ];
}

/** The measured exposure of every node and of the console, evaluated into findings. */
export async function getSecurityReport(db: DbOrTx, now = new Date()) {
  const nodes = await loadNodes(db);
  const roles = await db.role.findMany({ select: { name: true, permissions: { select: { permission: true } } } });
  const authors = jobDefinitionAuthors(roles.map((r) => ({ name: r.name, permissions: r.permissions.map((p) => p.permission) })));
  const evaluated = nodes.map((n) => evaluateNode(toNodeConfig(n), toMeasurement(n), now, HEARTBEAT_INTERVAL_MS, authors));
  const report = evaluateCluster(evaluated, evaluateConsole(await probeConsole()), now);
  return {
    report,
    nodes: nodes.map((n) => ({ id: n.id, config: toNodeConfig(n), bindChoices: bindChoices(n), tlsReady: !!(n.tlsCertPath && n.tlsKeyPath) })),
  };
}
