import type { ApiExposure, Finding, Risk, SecurityReport } from "./types";

const RISK_LABEL: Record<Risk, string> = { ok: "OK", warning: "WARNING", critical: "CRITICAL" };

/** Job data in a Markdown cell: no pipes, no line breaks, no markup. */
function cell(value: unknown): string {
  return String(value ?? "—")
    .replace(/[\r\n]+/g, " ")
    .replace(/[|`*_<>[\]\\]/g, (c) => `\\${c}`);
}

function endpoint(e: ApiExposure["configured"]) {
  if (!e) return "—";
  const where = e.socketPath ?? `${e.address ?? "?"}:${e.port ?? "?"}`;
  return `${where} ${e.tls ? "TLS" : "plain"} auth=${e.auth}`;
}

function findingsList(findings: Finding[]) {
  return findings.map((f) => `- **${RISK_LABEL[f.risk]}** ${cell(f.title)} — ${cell(f.remediation)}`).join("\n");
}

function apiTable(apis: ApiExposure[]) {
  const rows = apis.map(
    (a) =>
      `| ${cell(a.api)} | ${a.enabled ? "on" : "off"} | ${cell(endpoint(a.configured))} | ${cell(endpoint(a.measured))} | ${cell(a.reachableFrom)} | ${a.anonymousAllowed ? "yes" : "no"} | ${RISK_LABEL[a.risk]} |`,
  );
  return ["| API | enabled | configured | measured | reachable from | anonymous | risk |", "|---|---|---|---|---|---|---|", ...rows].join("\n");
}

/** A readable audit report of the security page, in Markdown. */
export function renderSecurityReport(report: SecurityReport): string {
  const parts = [
    "# Jobwarden security report",
    "",
    `Generated ${report.generatedAt.toISOString()}. Cluster risk: **${RISK_LABEL[report.cluster.risk]}** (${report.cluster.counts.critical} critical, ${report.cluster.counts.warning} warnings).`,
    "",
    "## Console",
    "",
    apiTable(report.console.apis),
    "",
    findingsList([...report.console.apis.flatMap((a) => a.findings), ...report.console.surfaces]) || "No findings.",
  ];
  for (const n of report.nodes) {
    parts.push(
      "",
      `## Node ${cell(n.node)} — ${RISK_LABEL[n.risk]} (${cell(n.health)})`,
      "",
      `Payloads: ${n.payloads.isolated ? "isolated" : "not isolated"} (${cell(n.payloads.detail)})`,
      "",
      apiTable(n.apis),
      "",
      findingsList([...n.apis.flatMap((a) => a.findings), ...n.surfaces, ...n.drift]) || "No findings.",
    );
  }
  return `${parts.join("\n")}\n`;
}
