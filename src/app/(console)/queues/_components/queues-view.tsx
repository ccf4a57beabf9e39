"use client";

import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { ChevronRight, CircleAlert, Eraser, MoreHorizontal, Pause, Pencil, Play, Trash2 } from "lucide-react";
import { toast } from "sonner";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { DataTable } from "~/components/ui/data-table";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "~/components/ui/dropdown-menu";
import { cn } from "~/lib/utils";
import { useTRPC } from "~/trpc/react";
import { useRefreshInterval } from "../../_components/live-refresh";
import { type Confirmation, ConfirmationDialog } from "../../_components/confirm-dialog";
import { MappingsSection } from "./mappings-section";
import { QueueFormDialog, type QueueRow } from "./queue-form-dialog";
import { QueueStatusBadge } from "./queue-status-badge";
import { type QueuePermissions, plural } from "./shared";

function deleteBlocker(q: QueueRow): string | null {
  if (q.isDefault) return `${q.name} is the default queue: make another queue the default first.`;
  const live = q.waiting + q.running;
  const uses = [live ? plural(live, "live run") : null, q.jobDefs ? plural(q.jobDefs, "job definition") : null, q.schedules ? plural(q.schedules, "schedule") : null].filter(
    Boolean,
  );
  return uses.length ? `Still used by ${uses.join(", ")}: move them to another queue (or let the runs end) first.` : null;
}

export function QueuesView({ heartbeatMs, can }: { heartbeatMs: number; can: QueuePermissions }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const queues = useQuery({ ...trpc.queue.find.queryOptions(), refetchInterval: useRefreshInterval(5000) });
  const rows = useMemo(() => queues.data ?? [], [queues.data]);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const selected = rows.find((q) => q.id === selectedId) ?? rows.find((q) => q.isDefault) ?? rows[0] ?? null;
  const [editing, setEditing] = useState<QueueRow | null>(null);
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const heartbeatS = Math.ceil(heartbeatMs / 1000);

  const invalidate = () => {
    void queryClient.invalidateQueries(trpc.queue.find.pathFilter());
    void queryClient.invalidateQueries(trpc.mapping.find.pathFilter());
  };
  const onError = (e: { message: string }) => toast.error(e.message);
  const pause = useMutation(
    trpc.queue.pause.mutationOptions({ onSuccess: () => toast.success("Queue paused"), onError, onSettled: invalidate }),
  );
  const resume = useMutation(
    trpc.queue.resume.mutationOptions({ onSuccess: () => toast.success("Queue resumed"), onError, onSettled: invalidate }),
  );
  const clear = useMutation(
    trpc.queue.clear.mutationOptions({
      onSuccess: ({ cancelled }) => toast.success(`${plural(cancelled, "waiting run")} cancelled`),
      onError,
      onSettled: invalidate,
    }),
  );
  const remove = useMutation(
    trpc.queue.delete.mutationOptions({
      onSuccess: ({ name }) => toast.success(`Queue ${name} deleted`),
      onError,
      onSettled: invalidate,
    }),
  );

  const columns = useMemo<ColumnDef<QueueRow>[]>(() => {
    const ask = (c: Omit<Confirmation, "onConfirm"> & { run: () => void }) =>
      setConfirmation({
        ...c,
        onConfirm: () => {
          c.run();
          setConfirmation(null);
        },
      });
    const base: ColumnDef<QueueRow>[] = [
      {
        accessorKey: "name",
        header: "Name",
        cell: ({ row }) => {
          const q = row.original;
          const isSelected = q.id === selected?.id;
          return (
            <div className="flex items-center gap-2">
              <button
                type="button"
                className="hover:text-primary focus-visible:ring-ring/50 inline-flex items-center gap-1 rounded-sm font-medium outline-none focus-visible:ring-[3px]"
                aria-pressed={isSelected}
                aria-label={`Show the mappings of ${q.name}`}
                title="Show its mappings"
                onClick={() => setSelectedId(q.id)}
              >
                <ChevronRight className={cn("size-4 transition-transform", isSelected && "rotate-90")} aria-hidden="true" />
                {q.name}
              </button>
              {q.isDefault ? <Badge variant="outline">default</Badge> : null}
            </div>
          );
        },
      },
      {
        accessorKey: "description",
        header: "Description",
        enableSorting: false,
        cell: ({ row }) => <span className="text-muted-foreground line-clamp-2 max-w-xs text-sm break-words">{row.original.description}</span>,
      },
      { accessorKey: "status", header: "Status", cell: ({ row }) => <QueueStatusBadge status={row.original.status} /> },
      { accessorKey: "waiting", header: "Waiting", cell: ({ row }) => <span className="tabular-nums">{row.original.waiting.toLocaleString("en")}</span> },
      { accessorKey: "running", header: "Running", cell: ({ row }) => <span className="tabular-nums">{row.original.running.toLocaleString("en")}</span> },
      {
        accessorKey: "capacity",
        header: "Capacity",
        cell: ({ row }) => {
          const q = row.original;
          return (
            <span className="tabular-nums" title="Threads of the enabled mappings, all nodes together">
              {plural(q.capacity, "thread")}
              {q.mappings ? <span className="text-muted-foreground"> · {plural(q.mappings.length, "node")}</span> : null}
            </span>
          );
        },
      },
    ];
    if (!can.queueUpdate && !can.queueDelete) return base;
    return [
      ...base,
      {
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        enableSorting: false,
        cell: ({ row }) => {
          const q = row.original;
          const mappingCount = q.mappings?.length;
          const mappingsText = mappingCount === undefined ? "its mappings" : plural(mappingCount, "mapping");
          return (
            <div className="flex justify-end">
              <DropdownMenu>
                <DropdownMenuTrigger asChild>
                  <Button variant="ghost" size="icon-sm" aria-label={`Actions for ${q.name}`}>
                    <MoreHorizontal aria-hidden="true" />
                  </Button>
                </DropdownMenuTrigger>
                <DropdownMenuContent align="end">
                  {can.queueUpdate ? (
                    <>
                      <DropdownMenuItem onSelect={() => setEditing(q)}>
                        <Pencil aria-hidden="true" /> Edit
                      </DropdownMenuItem>
                      <DropdownMenuItem
                        disabled={q.status === "PAUSED"}
                        onSelect={() =>
                          ask({
                            title: `Pause queue ${q.name}?`,
                            description: `Disables ${mappingsText}: no node takes new runs from ${q.name}; runs already running go on. Running nodes apply it at their next heartbeat (within ${heartbeatS} s).`,
                            confirmLabel: "Pause",
                            run: () => pause.mutate({ id: q.id }),
                          })
                        }
                      >
                        <Pause aria-hidden="true" /> Pause
                      </DropdownMenuItem>
                      <DropdownMenuItem
                        disabled={q.status === "RUNNING" || mappingCount === 0}
                        onSelect={() =>
                          ask({
                            title: `Resume queue ${q.name}?`,
                            description: `Enables ${mappingsText}: the nodes take runs from ${q.name} again from their next heartbeat (within ${heartbeatS} s).`,
                            confirmLabel: "Resume",
                            run: () => resume.mutate({ id: q.id }),
                          })
                        }
                      >
                        <Play aria-hidden="true" /> Resume
                      </DropdownMenuItem>
                      <DropdownMenuItem
                        disabled={q.waiting === 0}
                        onSelect={() =>
                          ask({
                            title: `Clear queue ${q.name}?`,
                            description: `Cancels the ${plural(q.waiting, "waiting run")} of ${q.name} (submitted, scheduled and held): they move to History as CANCELLED. Running runs are not touched.`,
                            confirmLabel: `Cancel ${plural(q.waiting, "run")}`,
                            destructive: true,
                            run: () => clear.mutate({ id: q.id }),
                          })
                        }
                      >
                        <Eraser aria-hidden="true" /> Clear waiting runs…
                      </DropdownMenuItem>
                    </>
                  ) : null}
                  {can.queueDelete ? (
                    <>
                      {can.queueUpdate ? <DropdownMenuSeparator /> : null}
                      <DropdownMenuItem
                        variant="destructive"
                        onSelect={() =>
                          ask({
                            title: `Delete queue ${q.name}?`,
                            description: `Deletes ${q.name} and ${mappingsText}. Ended runs keep its name in History.`,
                            confirmLabel: "Delete",
                            destructive: true,
                            blocked: deleteBlocker(q),
                            run: () => remove.mutate({ id: q.id }),
                          })
                        }
                      >
                        <Trash2 aria-hidden="true" /> Delete…
                      </DropdownMenuItem>
                    </>
                  ) : null}
                </DropdownMenuContent>
              </DropdownMenu>
            </div>
          );
        },
      },
    ];
  }, [can.queueUpdate, can.queueDelete, selected?.id, heartbeatS, pause, resume, clear, remove]);

  return (
    <div className="space-y-6">
      {queues.isError ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden="true" />
          <AlertTitle>Could not load the queues</AlertTitle>
          <AlertDescription>{queues.error.message}</AlertDescription>
        </Alert>
      ) : (
        <DataTable columns={columns} data={rows} isLoading={queues.isPending} getRowId={(q) => String(q.id)} emptyMessage="No queues yet." />
      )}

      {selected ? <MappingsSection queue={selected} heartbeatMs={heartbeatMs} can={can} /> : null}

      <QueueFormDialog mode="edit" queue={editing} open={editing !== null} onOpenChange={(o) => !o && setEditing(null)} />
      <ConfirmationDialog confirmation={confirmation} onClose={() => setConfirmation(null)} />
    </div>
  );
}
