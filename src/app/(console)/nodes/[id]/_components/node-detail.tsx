"use client";

import { useState } from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { CircleAlert, Pause, Play, Power } from "lucide-react";
import { toast } from "sonner";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "~/components/ui/card";
import { DataTable } from "~/components/ui/data-table";
import { Skeleton } from "~/components/ui/skeleton";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { Time } from "../../../_components/time";
import { Fact } from "../../../_components/fact";
import { useRefreshInterval } from "../../../_components/live-refresh";
import { PageHeader } from "../../../_components/page-header";
import { ConfirmDialog } from "../../../_components/confirm-dialog";
import { HealthBadge, listenAddress } from "../../_components/health-badge";
import { EngineLog } from "./engine-log";
import { NodeParametersForm } from "./node-parameters-form";

type Node = RouterOutputs["node"]["get"];
type Poller = Node["pollers"][number];

const pollerColumns: ColumnDef<Poller>[] = [
  { accessorKey: "queueName", header: "Queue", cell: ({ row }) => <span className="font-medium">{row.original.queueName}</span> },
  { accessorKey: "maxThreads", header: "Threads", cell: ({ row }) => <span className="tabular-nums">{row.original.maxThreads}</span> },
  { accessorKey: "running", header: "Running now", cell: ({ row }) => <span className="tabular-nums">{row.original.running}</span> },
  {
    accessorKey: "pollingIntervalMs",
    header: "Polling interval",
    cell: ({ row }) => <span className="tabular-nums">{row.original.pollingIntervalMs} ms</span>,
  },
  {
    id: "state",
    header: "State",
    accessorFn: (p) => (!p.enabled ? "paused" : p.polling === null ? "not reported" : p.polling ? "polling" : "failing"),
    cell: ({ getValue }) => {
      const state = getValue<string>();
      const variant = state === "polling" ? "ok" : state === "failing" ? "critical" : "secondary";
      return <Badge variant={variant}>{state}</Badge>;
    },
  },
  {
    id: "throughput",
    header: "Finished / s",
    accessorFn: (p) => p.finishedPerSecond ?? -1,
    cell: ({ row }) => <span className="tabular-nums">{row.original.finishedPerSecond === null ? "—" : row.original.finishedPerSecond.toFixed(2)}</span>,
  },
];

const ACTIONS = {
  pause: { label: "Pause", title: "Pause this node?", explain: "It finishes its running jobs but starts no new one until it is resumed.", icon: Pause },
  resume: { label: "Resume", title: "Resume this node?", explain: "It starts polling its queues again.", icon: Play },
  stop: {
    label: "Stop",
    title: "Stop this node?",
    explain: "It stops polling, waits for its running jobs (killing them after its grace period) and exits. Start it again on its host.",
    icon: Power,
  },
} as const;
type Action = keyof typeof ACTIONS;

function NodeActions({ node }: { node: Node }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState<Action | null>(null);
  const onSuccess = (action: Action) => () => {
    toast.success(`${ACTIONS[action].label}: requested; node ${node.name} applies it within one heartbeat`);
    void queryClient.invalidateQueries(trpc.node.pathFilter());
  };
  const onError = (error: { message: string }) => toast.error(error.message);
  const mutations = {
    pause: useMutation(trpc.node.pause.mutationOptions({ onSuccess: onSuccess("pause"), onError })),
    resume: useMutation(trpc.node.resume.mutationOptions({ onSuccess: onSuccess("resume"), onError })),
    stop: useMutation(trpc.node.stop.mutationOptions({ onSuccess: onSuccess("stop"), onError })),
  };
  const available: Action[] = [node.enabled ? "pause" : "resume", "stop"];
  return (
    <>
      {available.map((a) => {
        const Icon = ACTIONS[a].icon;
        return (
          <Button
            key={a}
            variant={a === "stop" ? "destructive" : "outline"}
            disabled={mutations[a].isPending || (a === "stop" && (node.stopRequested || node.health !== "alive"))}
            onClick={() => setConfirming(a)}
          >
            <Icon aria-hidden="true" />
            {ACTIONS[a].label}
          </Button>
        );
      })}
      <ConfirmDialog
        open={confirming !== null}
        title={confirming ? ACTIONS[confirming].title : ""}
        description={confirming ? ACTIONS[confirming].explain : ""}
        confirmLabel={confirming ? ACTIONS[confirming].label : ""}
        destructive={confirming === "stop"}
        onOpenChange={(open) => !open && setConfirming(null)}
        onConfirm={() => {
          if (confirming) mutations[confirming].mutate({ id: node.id });
          setConfirming(null);
        }}
      />
    </>
  );
}

/** A node: health and what it reported, its pollers, its parameters and its engine log. */
export function NodeDetail({ id, canEdit }: { id: number; canEdit: boolean }) {
  const trpc = useTRPC();
  const node = useQuery({ ...trpc.node.get.queryOptions({ id }), refetchInterval: useRefreshInterval(5000) });

  if (node.isPending) {
    return (
      <div className="space-y-4">
        <Skeleton className="h-10 w-64" />
        <Skeleton className="h-40 w-full" />
        <Skeleton className="h-64 w-full" />
      </div>
    );
  }
  if (node.isError) {
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden="true" />
        <AlertTitle>Could not load node {id}</AlertTitle>
        <AlertDescription>{node.error.message}</AlertDescription>
      </Alert>
    );
  }
  const n = node.data;
  const report = n.report;
  return (
    <>
      <PageHeader
        title={n.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <HealthBadge health={n.health} />
            {!n.enabled ? <Badge variant="outline">paused</Badge> : null}
            {n.stopRequested ? <Badge variant="outline">stop requested</Badge> : null}
            <span>
              last seen{" "}
              <Time at={n.lastSeenAlive} show="relative" title="dateTime" />
            </span>
          </span>
        }
        actions={canEdit ? <NodeActions node={n} /> : null}
      />

      {n.declaredDeadAt ? (
        <Alert data-testid="declared-dead">
          <CircleAlert aria-hidden="true" />
          <AlertTitle>
            Declared dead by {n.declaredDeadBy} at <Time at={n.declaredDeadAt} show="dateTime" />
          </AlertTitle>
          <AlertDescription>
            It had sent no heartbeat for {Math.round(n.deadAfterMs / 1000)} s. Its running runs were ended CRASHED and the runs it had claimed but not
            started went back to their queues.{" "}
            {n.lastSeenAlive && n.lastSeenAlive > n.declaredDeadAt
              ? <>It came back{report?.lastRejoinAt ? <> and rejoined at <Time at={report.lastRejoinAt} show="dateTime" /></> : null}: it killed the payloads it still ran and works again.</>
              : "It has not come back since."}
          </AlertDescription>
        </Alert>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Process</CardTitle>
          </CardHeader>
          <CardContent>
            {report ? (
              <dl className="grid grid-cols-2 gap-x-6 gap-y-3 sm:grid-cols-3">
                <Fact label="State">{report.state}</Fact>
                <Fact label="Version">{report.version}</Fact>
                <Fact label="PID">{report.pid}</Fact>
                <Fact label="Started"><Time at={report.startedAt} show="dateTime" /></Fact>
                <Fact label="Runs ended since start">{report.ended}</Fact>
                <Fact label="Runs crashed since start">{report.crashed}</Fact>
                <Fact label="Runs taken from it since start">{report.takenOver}</Fact>
                <Fact label="Heartbeat">
                  {report.heartbeat ? `every ${report.heartbeat.intervalMs} ms; longest gap ${report.heartbeat.maxGapMs} ms` : "—"}
                </Fact>
                <Fact label="Declared dead after">{Math.round(n.deadAfterMs / 1000)} s of silence</Fact>
                <Fact label="Scheduler leader">{report.schedulerLeader ? "yes" : "no"}</Fact>
                <Fact label="Last report"><Time at={report.reportedAt} show="relative" title="dateTime" /></Fact>
              </dl>
            ) : (
              <p className="text-muted-foreground text-sm">
                This node has never started. Start it on its host with <code className="font-mono">jobwarden node start --name {n.name}</code>.
              </p>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Listening now</CardTitle>
          </CardHeader>
          <CardContent>
            {report && report.listeners.length ? (
              <ul className="space-y-2 text-sm">
                {report.listeners.map((l, i) => (
                  <li key={i} className="flex flex-wrap items-center gap-2">
                    <span className="font-medium">{l.api}</span>
                    <span className="font-mono text-xs">{l.socketPath ?? (l.address === null ? "socket" : listenAddress(l.address, l.port ?? 0))}</span>
                    <Badge variant="outline">{l.tls ? "TLS" : "plain"}</Badge>
                    <Badge variant="outline">auth {l.auth}</Badge>
                    {l.error ? <span className="text-critical text-xs">{l.error}</span> : null}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="text-muted-foreground text-sm">Nothing reported: the node is not running.</p>
            )}
            <p className="text-muted-foreground mt-3 text-xs">
              As measured by the node at its last heartbeat. <Link href="/security" className="underline">Security page</Link> evaluates it.
            </p>
          </CardContent>
        </Card>
      </div>

      <section aria-labelledby="pollers" className="space-y-3">
        <h2 id="pollers" className="text-lg font-semibold">
          Pollers
        </h2>
        <DataTable
          columns={pollerColumns}
          data={n.pollers}
          getRowId={(p) => String(p.mappingId)}
          emptyMessage="This node polls no queue: map a queue to it on the Queues page."
        />
      </section>

      <NodeParametersForm node={n} canEdit={canEdit} />
      <EngineLog nodeId={n.id} />
    </>
  );
}
