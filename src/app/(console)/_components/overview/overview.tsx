"use client";

import { useQuery } from "@tanstack/react-query";
import { CircleAlert } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { useTRPC } from "~/trpc/react";
import { FailingJobDefs } from "./failing-jobdefs";
import { QueuesList } from "./queues-list";
import { RunsChart } from "./runs-chart";
import { StatTile } from "./stat-tile";
import { useRefreshInterval } from "../live-refresh";

/** Live counts, the runs chart, the failing job definitions and the queues; refreshed every 5 s. */
export function Overview() {
  const trpc = useTRPC();
  const overview = useQuery({ ...trpc.stats.overview.queryOptions(), refetchInterval: useRefreshInterval(5000) });

  if (overview.isPending) {
    return (
      <div className="grid grid-cols-2 gap-4 md:grid-cols-4 xl:grid-cols-7" aria-busy="true">
        {Array.from({ length: 7 }, (_, i) => (
          <Skeleton key={i} className="h-20 rounded-xl" />
        ))}
      </div>
    );
  }
  if (overview.isError) {
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden="true" />
        <AlertTitle>Could not load the overview</AlertTitle>
        <AlertDescription>{overview.error.message}</AlertDescription>
      </Alert>
    );
  }

  const { runs, nodes, queues } = overview.data;
  if (!runs && !nodes && !queues) return null;

  return (
    <div className="space-y-6">
      <section aria-label="Counts" className="grid grid-cols-2 gap-4 md:grid-cols-4 xl:grid-cols-7">
        {runs ? (
          <>
            <StatTile id="waiting" label="Waiting" value={runs.live.waiting} />
            <StatTile id="running" label="Running" value={runs.live.running} />
            <StatTile id="held" label="Held" value={runs.live.held} />
            <StatTile id="scheduled" label="Scheduled" value={runs.live.scheduled} />
            <StatTile id="ended" label="Ended" value={runs.lastHour.ended} tone={runs.lastHour.ended > 0 ? "ok" : "default"} hint="last hour" />
            <StatTile
              id="crashed"
              label="Crashed"
              value={runs.lastHour.crashed}
              tone={runs.lastHour.crashed > 0 ? "critical" : "default"}
              hint={runs.lastHour.cancelled > 0 ? `last hour · ${runs.lastHour.cancelled} cancelled` : "last hour"}
            />
          </>
        ) : null}
        {nodes ? (
          <StatTile
            id="nodes"
            label="Nodes"
            value={
              nodes.total === 0 ? (
                <span className="text-muted-foreground text-base font-normal">none yet</span>
              ) : (
                <span className="flex items-baseline gap-2 text-lg">
                  <span className="text-ok" title="alive">
                    {nodes.alive}
                  </span>
                  <span className="text-muted-foreground text-xs">/</span>
                  <span className={nodes.late > 0 ? "text-warning" : undefined} title="late">
                    {nodes.late}
                  </span>
                  <span className="text-muted-foreground text-xs">/</span>
                  <span className={nodes.dead > 0 ? "text-critical" : undefined} title="dead">
                    {nodes.dead}
                  </span>
                </span>
              )
            }
            hint={`alive / late / dead${nodes.neverStarted > 0 ? ` · ${nodes.neverStarted} never started` : ""}`}
          />
        ) : null}
      </section>

      {runs ? (
        <div className="grid gap-6 lg:grid-cols-3">
          <div className="lg:col-span-2">
            <RunsChart perMinute={runs.perMinute} perHour={runs.perHour} truncated={runs.truncated} />
          </div>
          <FailingJobDefs items={runs.failingJobDefs} />
        </div>
      ) : null}

      {queues ? (
        <Card className="gap-4">
          <CardHeader>
            <CardTitle>Queues</CardTitle>
            <CardDescription>Runs waiting and running in each queue, and the nodes that poll it.</CardDescription>
          </CardHeader>
          <CardContent>
            <QueuesList queues={queues} />
          </CardContent>
        </Card>
      ) : null}
    </div>
  );
}
