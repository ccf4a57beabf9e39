"use client";

import { useMemo, useState } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import Link from "next/link";
import { Pencil, Plus, Trash2 } from "lucide-react";
import { toast } from "sonner";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "~/components/ui/card";
import { DataTable } from "~/components/ui/data-table";
import { Switch } from "~/components/ui/switch";
import { RECOMMENDED_MIN_POLLING_MS } from "~/server/domain/queue-schemas";
import { useTRPC } from "~/trpc/react";
import { type Confirmation, ConfirmationDialog } from "../../_components/confirm-dialog";
import { MappingDialog, type MappingRow } from "./mapping-dialog";
import type { QueueRow } from "./queue-form-dialog";
import { type QueuePermissions, plural } from "./shared";

function formatInterval(ms: number) {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toLocaleString("en", { maximumFractionDigits: 1 })} s`;
  return `${(ms / 60_000).toLocaleString("en", { maximumFractionDigits: 1 })} min`;
}

/** The nodes polling one queue: threads, polling interval, enabled switch, runs running now. */
export function MappingsSection({ queue, heartbeatMs, can }: { queue: QueueRow; heartbeatMs: number; can: QueuePermissions }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<{ mapping: MappingRow | null } | null>(null);
  const [confirmation, setConfirmation] = useState<Confirmation | null>(null);
  const heartbeatS = Math.ceil(heartbeatMs / 1000);

  const invalidate = () => {
    void queryClient.invalidateQueries(trpc.queue.find.pathFilter());
    void queryClient.invalidateQueries(trpc.mapping.find.pathFilter());
  };
  const update = useMutation(
    trpc.mapping.update.mutationOptions({
      onSuccess: (m) => toast.success(`Mapping ${m.enabled ? "enabled" : "disabled"}; nodes apply it within ${heartbeatS} s`),
      onError: (e) => toast.error(e.message),
      onSettled: invalidate,
    }),
  );
  const remove = useMutation(
    trpc.mapping.delete.mutationOptions({
      onSuccess: () => toast.success("Mapping removed"),
      onError: (e) => toast.error(e.message),
      onSettled: invalidate,
    }),
  );

  const columns = useMemo<ColumnDef<MappingRow>[]>(() => {
    const base: ColumnDef<MappingRow>[] = [
      {
        accessorKey: "nodeName",
        header: "Node",
        cell: ({ row }) =>
          can.nodeRead ? (
            <Link href={`/nodes/${row.original.nodeId}`} className="font-medium underline-offset-4 hover:underline">
              {row.original.nodeName}
            </Link>
          ) : (
            <span className="font-medium">{row.original.nodeName}</span>
          ),
      },
      { accessorKey: "maxThreads", header: "Threads", cell: ({ row }) => <span className="tabular-nums">{row.original.maxThreads}</span> },
      {
        accessorKey: "pollingIntervalMs",
        header: "Polling interval",
        cell: ({ row }) => {
          const ms = row.original.pollingIntervalMs;
          return (
            <span className="inline-flex items-center gap-2 tabular-nums">
              {formatInterval(ms)}
              {ms < RECOMMENDED_MIN_POLLING_MS ? (
                <Badge variant="warning" title="JQM advises never to poll more often than every 1000 ms">
                  below 1 s
                </Badge>
              ) : null}
            </span>
          );
        },
      },
      {
        accessorKey: "enabled",
        header: "Enabled",
        cell: ({ row }) => {
          const m = row.original;
          return can.mappingUpdate ? (
            <Switch
              checked={m.enabled}
              aria-label={`${m.nodeName} polls ${queue.name}`}
              disabled={update.isPending && update.variables.id === m.id}
              onCheckedChange={(enabled) => update.mutate({ id: m.id, enabled })}
            />
          ) : (
            <Badge variant={m.enabled ? "ok" : "secondary"}>{m.enabled ? "enabled" : "disabled"}</Badge>
          );
        },
      },
      {
        accessorKey: "running",
        header: "Running now",
        cell: ({ row }) => (
          <span className="tabular-nums">
            {row.original.running} <span className="text-muted-foreground">of {row.original.maxThreads}</span>
          </span>
        ),
      },
    ];
    if (!can.mappingUpdate && !can.mappingDelete) return base;
    return [
      ...base,
      {
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        enableSorting: false,
        cell: ({ row }) => {
          const m = row.original;
          return (
            <div className="flex justify-end gap-1">
              {can.mappingUpdate ? (
                <Button variant="ghost" size="icon-sm" aria-label={`Edit the mapping on ${m.nodeName}`} onClick={() => setDialog({ mapping: m })}>
                  <Pencil aria-hidden="true" />
                </Button>
              ) : null}
              {can.mappingDelete ? (
                <Button
                  variant="ghost"
                  size="icon-sm"
                  aria-label={`Remove the mapping on ${m.nodeName}`}
                  onClick={() =>
                    setConfirmation({
                      title: `Stop polling ${queue.name} on ${m.nodeName}?`,
                      description: `${m.nodeName} stops taking runs from ${queue.name} at its next heartbeat (within ${heartbeatS} s). ${
                        m.running ? `Its ${plural(m.running, "run")} running now go on.` : ""
                      }`,
                      confirmLabel: "Remove mapping",
                      destructive: true,
                      onConfirm: () => {
                        remove.mutate({ id: m.id });
                        setConfirmation(null);
                      },
                    })
                  }
                >
                  <Trash2 aria-hidden="true" />
                </Button>
              ) : null}
            </div>
          );
        },
      },
    ];
  }, [can.nodeRead, can.mappingUpdate, can.mappingDelete, queue.name, heartbeatS, update, remove]);

  const mappings = queue.mappings;
  return (
    <Card role="region" aria-labelledby="mappings-title">
      <CardHeader>
        <CardTitle id="mappings-title">Mappings of {queue.name}</CardTitle>
        <CardDescription>
          Which nodes poll this queue, with how many threads and how often. Running nodes pick changes up at their next heartbeat (within {heartbeatS} s);
          runs already running go on.
        </CardDescription>
        {can.mappingCreate && mappings ? (
          <CardAction>
            <Button variant="outline" size="sm" onClick={() => setDialog({ mapping: null })}>
              <Plus aria-hidden="true" />
              Add mapping
            </Button>
          </CardAction>
        ) : null}
      </CardHeader>
      <CardContent>
        {mappings ? (
          <DataTable<MappingRow>
            columns={columns}
            data={mappings}
            getRowId={(m) => String(m.id)}
            emptyMessage={`No node polls ${queue.name}: its runs wait until a mapping is added.`}
          />
        ) : (
          <p className="text-muted-foreground text-sm">Seeing which nodes poll this queue needs the permission qmapping:read.</p>
        )}
      </CardContent>
      <MappingDialog
        queue={queue}
        mapping={dialog?.mapping ?? null}
        open={dialog !== null}
        heartbeatMs={heartbeatMs}
        onOpenChange={(o) => !o && setDialog(null)}
      />
      <ConfirmationDialog confirmation={confirmation} onClose={() => setConfirmation(null)} />
    </Card>
  );
}
