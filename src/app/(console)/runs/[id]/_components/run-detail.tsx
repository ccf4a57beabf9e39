"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { CircleAlert, Download } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { Skeleton } from "~/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "~/components/ui/table";
import { useTRPC } from "~/trpc/react";
import { Time } from "../../../_components/time";
import { StateBadge } from "../../_components/state-badge";
import { LogViewer } from "./log-viewer";
import { RunDetailActions } from "./run-detail-actions";
import { Fact } from "../../../_components/fact";
import { useRefreshInterval } from "../../../_components/live-refresh";

const TAG_LABELS = {
  user: "User",
  sessionId: "Session id",
  email: "Email",
  application: "Application tag",
  module: "Module",
  keyword1: "Keyword 1",
  keyword2: "Keyword 2",
  keyword3: "Keyword 3",
} as const;

function At({ at }: { at: Date | null }) {
  return at ? <Time at={at} show="dateTime" /> : <span className="text-muted-foreground">—</span>;
}

const formatSize = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

/** Everything about one run; refreshed every 2 s while it is live. */
export function RunDetail({ id, canAct, canLogs, canFiles }: { id: number; canAct: boolean; canLogs: boolean; canFiles: boolean }) {
  const trpc = useTRPC();
  const refreshInterval = useRefreshInterval(2000);
  const run = useQuery({
    ...trpc.run.get.queryOptions({ id }),
    refetchInterval: (q) => (q.state.data?.live === false || q.state.error ? false : refreshInterval),
  });

  if (run.isPending) return <Skeleton className="h-64 w-full" />;
  if (run.isError) {
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden="true" />
        <AlertTitle>Could not load run {id}</AlertTitle>
        <AlertDescription>{run.error.message}</AlertDescription>
      </Alert>
    );
  }
  const r = run.data;
  const params = Object.entries(r.parameters);
  const tags = (Object.keys(TAG_LABELS) as (keyof typeof TAG_LABELS)[]).filter((k) => r.tags[k]);
  const running = r.state === "RUNNING";

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center gap-3">
        <StateBadge state={r.state} />
        <span className="text-lg font-medium">{r.applicationName}</span>
        {r.instruction && r.instruction !== "RUN" ? (
          <span className="text-muted-foreground text-sm">
            {r.instruction.toLowerCase()} requested{r.instructedBy ? ` by ${r.instructedBy}` : ""}
          </span>
        ) : null}
        <div className="ml-auto">{canAct ? <RunDetailActions id={r.id} state={r.state} /> : null}</div>
      </div>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Run</CardTitle>
          </CardHeader>
          <CardContent>
            <dl className="grid grid-cols-2 gap-4">
              <Fact label="Queue">{r.queueName}</Fact>
              <Fact label="Node">{r.nodeName}</Fact>
              <Fact label="Priority">{r.priority}</Fact>
              <Fact label="Progress">{r.progress == null ? null : `${r.progress}%`}</Fact>
              {r.returnCode != null ? <Fact label="Return code">{r.returnCode}</Fact> : null}
              {r.endReason ? <Fact label="End reason">{r.endReason}</Fact> : null}
              <Fact label="Parent">
                {r.parent ? (
                  <Link href={`/runs/${r.parent.id}`} className="underline-offset-4 hover:underline">
                    {r.parent.id} · {r.parent.applicationName} · {r.parent.state}
                  </Link>
                ) : r.parentId ? (
                  String(r.parentId)
                ) : null}
              </Fact>
            </dl>
            {running && r.progress != null ? (
              <div
                role="progressbar"
                aria-label="Progress"
                aria-valuemin={0}
                aria-valuemax={100}
                aria-valuenow={r.progress}
                className="bg-muted mt-4 h-2 overflow-hidden rounded-full"
              >
                <div className="bg-primary h-full transition-all" style={{ width: `${Math.min(100, Math.max(0, r.progress))}%` }} />
              </div>
            ) : null}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Timeline</CardTitle>
          </CardHeader>
          <CardContent>
            <ol className="grid gap-3" aria-label="State timeline">
              {(
                [
                  ["Enqueued", r.enqueuedAt],
                  ...(r.runAfter ? ([["Runs after", r.runAfter]] as const) : []),
                  ["Attributed", r.attributedAt],
                  ["Started", r.startedAt],
                  ["Ended", r.endedAt],
                ] as const
              ).map(([label, at]) => (
                <li key={label} className="flex items-center gap-3 text-sm">
                  <span className={at ? "bg-primary size-2.5 rounded-full" : "border-muted-foreground size-2.5 rounded-full border"} aria-hidden="true" />
                  <span className="w-24">{label}</span>
                  <At at={at} />
                </li>
              ))}
            </ol>
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Parameters</CardTitle>
          </CardHeader>
          <CardContent>
            {params.length === 0 ? (
              <p className="text-muted-foreground text-sm">No parameters.</p>
            ) : (
              <Table>
                <TableHeader>
                  <TableRow>
                    <TableHead>Name</TableHead>
                    <TableHead>Value</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {params.map(([k, v]) => (
                    <TableRow key={k}>
                      <TableCell className="font-mono text-xs">{k}</TableCell>
                      <TableCell className="font-mono text-xs break-all whitespace-pre-wrap">{v}</TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            )}
          </CardContent>
        </Card>

        <Card>
          <CardHeader>
            <CardTitle>Tags</CardTitle>
          </CardHeader>
          <CardContent>
            {tags.length === 0 ? (
              <p className="text-muted-foreground text-sm">No tags.</p>
            ) : (
              <dl className="grid grid-cols-2 gap-4">
                {tags.map((k) => (
                  <Fact key={k} label={TAG_LABELS[k]}>
                    {r.tags[k]}
                  </Fact>
                ))}
              </dl>
            )}
          </CardContent>
        </Card>
      </div>

      <Card>
        <CardHeader>
          <CardTitle>Messages</CardTitle>
        </CardHeader>
        <CardContent>
          {r.messages.length === 0 ? (
            <p className="text-muted-foreground text-sm">No messages.</p>
          ) : (
            <ul className="grid gap-1 text-sm" data-testid="run-messages">
              {r.messages.map((m) => (
                <li key={m.id} className="flex gap-3">
                  <Time at={m.createdAt} show="dateTime" className="text-muted-foreground shrink-0 text-xs leading-5" />
                  <span className="break-words whitespace-pre-wrap">{m.text}</span>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>

      {r.children.length > 0 ? (
        <Card>
          <CardHeader>
            <CardTitle>Children</CardTitle>
            {r.moreChildren ? (
              <CardDescription>
                The first 50 are shown;{" "}
                <Link href={`/runs?tab=history&parent=${r.id}`} className="underline underline-offset-4">
                  list them all
                </Link>
                .
              </CardDescription>
            ) : null}
          </CardHeader>
          <CardContent>
            <ul className="grid gap-1 text-sm">
              {r.children.map((c) => (
                <li key={c.id} className="flex items-center gap-2">
                  <Link href={`/runs/${c.id}`} className="underline-offset-4 hover:underline">
                    Run {c.id}
                  </Link>
                  <span>{c.applicationName}</span>
                  <StateBadge state={c.state} />
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      ) : null}

      <Card>
        <CardHeader>
          <CardTitle>Files</CardTitle>
          <CardDescription>Deliverables the run produced.</CardDescription>
        </CardHeader>
        <CardContent>
          {r.deliverables.length === 0 ? (
            <p className="text-muted-foreground text-sm">No files.</p>
          ) : (
            <ul className="grid gap-2" data-testid="run-deliverables">
              {r.deliverables.map((d) => (
                <li key={d.id} className="flex flex-wrap items-center gap-3 text-sm">
                  <span className="font-medium break-all">{d.originalName}</span>
                  <span className="text-muted-foreground text-xs">
                    {formatSize(d.size)} · node {d.nodeName}
                    {d.fileFamily ? ` · ${d.fileFamily}` : ""}
                  </span>
                  {canFiles ? (
                    <Button asChild size="sm" variant="outline" className="ml-auto">
                      <a href={`/api/files/${d.downloadId}`} download aria-label={`Download ${d.originalName}`}>
                        <Download aria-hidden="true" />
                        Download
                      </a>
                    </Button>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>

      {canLogs ? (
        <Card>
          <CardHeader>
            <CardTitle>Output</CardTitle>
          </CardHeader>
          <CardContent>
            {r.nodeName ? <LogViewer id={r.id} live={r.live} /> : <p className="text-muted-foreground text-sm">The run has not started on a node yet.</p>}
          </CardContent>
        </Card>
      ) : null}
    </div>
  );
}
