"use client";

import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { CircleAlert, Eye, FileCode, Pencil, Trash2 } from "lucide-react";
import { toast } from "sonner";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { DataTable } from "~/components/ui/data-table";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { ConfirmDialog } from "../../_components/confirm-dialog";
import { JobDefDialog, PAYLOAD_LABELS } from "./jobdef-dialog";

type JobDefRow = RouterOutputs["jobDef"]["find"][number];
export type JobDefPermissions = { create: boolean; update: boolean; delete: boolean };

function tagsOf(jd: JobDefRow) {
  return [jd.application, jd.module, jd.keyword1, jd.keyword2, jd.keyword3].filter((t): t is string => !!t);
}

const baseColumns: ColumnDef<JobDefRow>[] = [
  {
    accessorKey: "applicationName",
    header: "Name",
    cell: ({ row }) => (
      <div className="grid max-w-xs gap-0.5 whitespace-normal">
        <span className="font-medium break-all">{row.original.applicationName}</span>
        {row.original.description ? <span className="text-muted-foreground line-clamp-2 text-xs whitespace-normal">{row.original.description}</span> : null}
      </div>
    ),
  },
  { accessorKey: "queueName", header: "Queue" },
  {
    id: "payload",
    header: "Payload",
    accessorFn: (jd) => jd.payloadType,
    cell: ({ row }) => (
      <div className="grid max-w-56 gap-0.5">
        <span>{PAYLOAD_LABELS[row.original.payloadType].name}</span>
        <code className="text-muted-foreground truncate font-mono text-xs" title={row.original.path}>
          {row.original.path}
        </code>
      </div>
    ),
  },
  {
    id: "enabled",
    header: "Enabled",
    accessorFn: (jd) => (jd.enabled ? 1 : 0),
    cell: ({ row }) => (row.original.enabled ? <Badge variant="ok">Enabled</Badge> : <Badge variant="outline">Disabled</Badge>),
  },
  {
    id: "highlander",
    header: "Highlander",
    accessorFn: (jd) => (jd.highlander ? 1 : 0),
    cell: ({ row }) => (row.original.highlander ? <Badge variant="secondary">Highlander</Badge> : <span className="text-muted-foreground">—</span>),
  },
  {
    id: "schedules",
    header: "Schedules",
    accessorFn: (jd) => jd.schedules.length,
    cell: ({ row }) => {
      const s = row.original.schedules;
      if (s.length === 0) return <span className="text-muted-foreground">0</span>;
      return (
        <span title={s.map((x) => x.cronExpression).join("\n")} className="tabular-nums">
          {s.length}
          {s.some((x) => !x.enabled) ? <span className="text-muted-foreground"> ({s.filter((x) => x.enabled).length} on)</span> : null}
        </span>
      );
    },
  },
  {
    id: "tags",
    header: "Tags",
    enableSorting: false,
    cell: ({ row }) => {
      const tags = tagsOf(row.original);
      return tags.length ? (
        <div className="flex max-w-48 flex-wrap gap-1">
          {tags.map((t, i) => (
            <Badge key={`${i}-${t}`} variant="secondary">
              {t}
            </Badge>
          ))}
        </div>
      ) : (
        <span className="text-muted-foreground">—</span>
      );
    },
  },
];

export function JobDefsTable({ can }: { can: JobDefPermissions }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const jobDefs = useQuery(trpc.jobDef.find.queryOptions());
  const [openId, setOpenId] = useState<number | null>(null);
  const [deleting, setDeleting] = useState<JobDefRow | null>(null);
  const remove = useMutation(
    trpc.jobDef.delete.mutationOptions({
      onSuccess: ({ applicationName }) => toast.success(`Job definition ${applicationName} deleted`),
      onError: (e) => toast.error(e.message),
      onSettled: () => {
        setDeleting(null);
        void queryClient.invalidateQueries(trpc.jobDef.pathFilter());
      },
    }),
  );

  const columns = useMemo<ColumnDef<JobDefRow>[]>(
    () => [
      ...baseColumns,
      {
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        enableSorting: false,
        cell: ({ row }) => {
          const name = row.original.applicationName;
          return (
            <div className="flex justify-end gap-1">
              <Button variant="ghost" size="icon" aria-label={can.update ? `Edit ${name}` : `View ${name}`} onClick={() => setOpenId(row.original.id)}>
                {can.update ? <Pencil aria-hidden="true" /> : <Eye aria-hidden="true" />}
              </Button>
              {can.delete ? (
                <Button variant="ghost" size="icon" aria-label={`Delete ${name}`} onClick={() => setDeleting(row.original)}>
                  <Trash2 aria-hidden="true" />
                </Button>
              ) : null}
            </div>
          );
        },
      },
    ],
    [can.update, can.delete],
  );

  if (jobDefs.isError) {
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden="true" />
        <AlertTitle>Could not load the job definitions</AlertTitle>
        <AlertDescription>{jobDefs.error.message}</AlertDescription>
      </Alert>
    );
  }

  return (
    <>
      <DataTable
        columns={columns}
        data={jobDefs.data ?? []}
        isLoading={jobDefs.isPending}
        getRowId={(jd) => String(jd.id)}
        emptyMessage={
          <div className="text-muted-foreground grid justify-items-center gap-2 py-6">
            <FileCode className="size-8" aria-hidden="true" />
            <p className="text-foreground font-medium">No job definitions yet</p>
            <p className="text-sm">{can.create ? "Create one, or import a JQM deployment descriptor." : "Ask an administrator to create or import some."}</p>
          </div>
        }
      />
      <JobDefDialog open={openId !== null} onOpenChange={(o) => !o && setOpenId(null)} jobDefId={openId} readOnly={!can.update} />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(o) => !o && setDeleting(null)}
        title={`Delete ${deleting?.applicationName ?? ""}?`}
        description={`The definition and its ${deleting?.schedules.length ?? 0} schedule(s) are removed; ended runs stay in the history under this name. Refused while runs of it are waiting or running.`}
        confirmLabel="Delete"
        destructive
        pending={remove.isPending}
        onConfirm={() => deleting && remove.mutate({ id: deleting.id })}
      />
    </>
  );
}
