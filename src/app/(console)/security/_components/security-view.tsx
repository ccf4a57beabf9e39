"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, FileJson, FileText, MonitorCog, Server } from "lucide-react";
import { toast } from "sonner";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { cn } from "~/lib/utils";
import type { ApiExposure, Finding, NodeSecurity, Risk, SecurityReport } from "~/security/types";
import { useTRPC } from "~/trpc/react";
import { Time } from "../../_components/time";
import { ApiTable } from "./api-table";
import { ConfirmExposureDialog } from "./confirm-exposure-dialog";
import { FindingsList, type SourcedFinding } from "./findings-list";
import { API_LABEL } from "./format";
import { NodeControls, type PendingChange, type SecurityNode } from "./node-controls";
import { RiskBadge, RiskCounts, SecurityHealthBadge } from "./risk-badge";
import { useRefreshInterval } from "../../_components/live-refresh";

const REFRESH_MS = 2000;

function apiFindings(apis: ApiExposure[]): SourcedFinding[] {
  return apis.flatMap((a) => a.findings.map((f) => ({ ...f, source: f.id.startsWith("drift.") ? `Drift · ${API_LABEL[a.api]}` : API_LABEL[a.api] })));
}

function tagged(findings: Finding[], source: (f: Finding) => string): SourcedFinding[] {
  return findings.map((f) => ({ ...f, source: source(f) }));
}

const TILE_ACCENT: Record<Risk, string> = {
  critical: "before:bg-critical",
  warning: "before:bg-warning",
  ok: "before:bg-ok",
};

function Stat({ label, value, accent, children }: { label: string; value: React.ReactNode; accent?: Risk; children?: React.ReactNode }) {
  return (
    <div
      className={cn(
        "bg-card relative overflow-hidden rounded-lg border px-4 py-3 shadow-xs",
        accent && "before:absolute before:inset-y-0 before:left-0 before:w-1",
        accent && TILE_ACCENT[accent],
      )}
    >
      <div className="text-muted-foreground text-xs font-medium tracking-wide uppercase">{label}</div>
      <div className="mt-1 flex items-center gap-2 text-2xl font-semibold tabular-nums">{value}</div>
      {children ? <div className="text-muted-foreground mt-0.5 text-xs">{children}</div> : null}
    </div>
  );
}

function Header({ report }: { report: SecurityReport | undefined }) {
  return (
    <div className="flex flex-col gap-4 sm:flex-row sm:items-end sm:justify-between">
      <div className="space-y-1">
        <div className="flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-semibold tracking-tight">Security</h1>
          {report ? (
            <span className="flex items-center gap-2" data-testid="security-cluster-risk">
              <RiskBadge risk={report.cluster.risk} size="lg" />
              <RiskCounts counts={report.cluster.counts} />
            </span>
          ) : (
            <Skeleton className="h-6 w-40" />
          )}
        </div>
        <p className="text-muted-foreground text-sm">
          What the console and every node expose, as configured and as measured. Refreshed every {REFRESH_MS / 1000} seconds.
        </p>
      </div>
      <div className="flex shrink-0 items-center gap-2">
        <Button asChild variant="outline" size="sm">
          <a href="/api/security/report?format=json" download>
            <FileJson aria-hidden="true" />
            Export JSON
          </a>
        </Button>
        <Button asChild variant="outline" size="sm">
          <a href="/api/security/report?format=markdown" download>
            <FileText aria-hidden="true" />
            Export report
          </a>
        </Button>
      </div>
    </div>
  );
}

function Summary({ report }: { report: SecurityReport }) {
  const reporting = report.nodes.filter((n) => n.health === "reporting").length;
  const { counts } = report.cluster;
  const apis = [...report.console.apis, ...report.nodes.flatMap((n) => n.apis)];
  const onNetwork = apis.filter((a) => a.reachableFrom === "the network");
  const anonymous = onNetwork.filter((a) => a.anonymousAllowed).length;
  return (
    <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
      <Stat label="Critical findings" value={counts.critical} accent={counts.critical > 0 ? "critical" : "ok"}>
        {counts.critical > 0 ? "Fix these first" : "None"}
      </Stat>
      <Stat label="Warnings" value={counts.warning} accent={counts.warning > 0 ? "warning" : "ok"}>
        {counts.ok > 0 ? `and ${counts.ok} informational` : "Weaknesses to plan for"}
      </Stat>
      <Stat label="APIs on the network" value={onNetwork.length} accent={anonymous > 0 ? "critical" : onNetwork.length > 0 ? "warning" : "ok"}>
        {anonymous} anonymous, of {apis.length} APIs
      </Stat>
      <Stat label="Nodes reporting" value={`${reporting} / ${report.nodes.length}`} accent={reporting === report.nodes.length ? "ok" : "warning"}>
        Report generated{" "}
        <Time at={report.generatedAt} show="time" title="dateTime" />
      </Stat>
    </div>
  );
}

function ConsoleCard({ report }: { report: SecurityReport }) {
  const c = report.console;
  const findings = [...apiFindings(c.apis), ...tagged(c.surfaces, (f) => (f.id.startsWith("database.") ? "Database" : "Files"))];
  return (
    <Card data-testid="security-console" className="gap-5">
      <CardHeader>
        <div className="flex flex-wrap items-center gap-3">
          <MonitorCog className="text-muted-foreground size-5" aria-hidden="true" />
          <CardTitle className="text-lg">Console</CardTitle>
          <RiskBadge risk={c.risk} />
          <RiskCounts counts={c.counts} className="sm:ml-auto" />
        </div>
        <CardDescription>This web console: its listener, sessions, database and the files on its machine.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-5">
        <ApiTable owner="console" apis={c.apis} measuring />
        <section className="space-y-2">
          <h3 className="text-sm font-semibold">Findings</h3>
          <FindingsList findings={findings} emptyText="No findings on the console." />
        </section>
      </CardContent>
    </Card>
  );
}

function NodeCard({
  security,
  node,
  canEdit,
  busy,
  onChange,
}: {
  security: NodeSecurity;
  node: SecurityNode | undefined;
  canEdit: boolean;
  busy: boolean;
  onChange: (change: PendingChange) => void;
}) {
  const name = security.node;
  const measuring = security.health === "reporting" || security.health === "stale";
  const findings = [
    ...apiFindings(security.apis),
    ...tagged(security.surfaces, (f) => (f.id.startsWith("payloads.") ? "Payloads" : "Files")),
    ...tagged(security.drift, () => "Health"),
  ];
  const lastSeen = node?.config.lastSeenAlive ?? null;
  return (
    <Card data-testid={`security-node-${name}`} className="gap-5">
      <CardHeader>
        <div className="flex flex-wrap items-center gap-3">
          <Server className="text-muted-foreground size-5" aria-hidden="true" />
          <CardTitle className="text-lg">{name}</CardTitle>
          <SecurityHealthBadge health={security.health} testId={`security-health-${name}`} />
          <RiskBadge risk={security.risk} />
          <RiskCounts counts={security.counts} className="sm:ml-auto" />
        </div>
        <CardDescription>
          Engine node · last heartbeat{" "}
          <Time at={lastSeen} show="relative" title="dateTime" />
          {node && !node.config.enabled ? " · disabled" : ""}
          {" · "}
          <span data-testid={`security-payloads-${name}`} data-isolated={security.payloads.isolated}>
            {security.payloads.isolated ? "payloads isolated" : "payloads not isolated"} ({security.payloads.detail})
          </span>
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-5">
        {canEdit && node ? <NodeControls node={node} disabled={busy} onChange={onChange} /> : null}
        <ApiTable owner={name} apis={security.apis} measuring={measuring} />
        <section className="space-y-2">
          <h3 className="text-sm font-semibold">Findings</h3>
          <FindingsList findings={findings} emptyText={`No findings on ${name}.`} />
        </section>
      </CardContent>
    </Card>
  );
}

function LoadingCards() {
  return (
    <div className="space-y-6">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {Array.from({ length: 4 }, (_, i) => (
          <Skeleton key={i} className="h-20" />
        ))}
      </div>
      <Skeleton className="h-56" />
      <Skeleton className="h-72" />
    </div>
  );
}

/** The security page: cluster risk, the console and every node, configured vs measured, with the exposure toggles. */
export function SecurityView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const security = useQuery({ ...trpc.security.get.queryOptions(), refetchInterval: useRefreshInterval(REFRESH_MS) });
  const data = security.data;
  const [pending, setPending] = useState<PendingChange | null>(null);
  const [confirming, setConfirming] = useState(false);

  const update = useMutation(
    trpc.security.update.mutationOptions({
      onSuccess: (_node, input) => {
        const name = data?.nodes.find((n) => n.id === input.nodeId)?.config.name ?? "The node";
        toast.success(`Saved — ${name} applies it within one heartbeat`);
      },
      onError: (error) => toast.error(error.message),
      onSettled: () => {
        void queryClient.invalidateQueries(trpc.security.get.pathFilter());
        void queryClient.invalidateQueries(trpc.node.find.pathFilter());
      },
    }),
  );

  const report = data?.report;
  const currentApis = pending ? (report?.nodes.find((n) => n.node === pending.nodeName)?.apis ?? []) : [];

  return (
    <>
      <Header report={report} />
      {security.isError ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden="true" />
          <AlertTitle>Could not load the security report</AlertTitle>
          <AlertDescription>{security.error.message}</AlertDescription>
        </Alert>
      ) : null}
      {!data || !report ? (
        security.isPending ? <LoadingCards /> : null
      ) : (
        <>
          <Summary report={report} />
          <ConsoleCard report={report} />
          {report.nodes.length === 0 ? (
            <Card>
              <CardContent className="text-muted-foreground text-sm">
                No nodes yet. Create one with <code className="font-mono">jobwarden node create --name &lt;name&gt;</code>.
              </CardContent>
            </Card>
          ) : (
            report.nodes.map((n) => {
              const node = data.nodes.find((x) => x.config.name === n.node);
              return (
                <NodeCard
                  key={n.node}
                  security={n}
                  node={node}
                  canEdit={canEdit}
                  busy={update.isPending && update.variables.nodeId === node?.id}
                  onChange={(change) => {
                    setPending(change);
                    setConfirming(true);
                  }}
                />
              );
            })
          )}
        </>
      )}
      {canEdit ? (
        <ConfirmExposureDialog
          open={confirming}
          pending={pending}
          current={currentApis}
          onCancel={() => setConfirming(false)}
          onApply={(change) => {
            setConfirming(false);
            update.mutate({ nodeId: change.nodeId, changes: change.changes, confirmExposure: true });
          }}
        />
      ) : null}
    </>
  );
}
