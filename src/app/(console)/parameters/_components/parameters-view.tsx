"use client";

import { useMemo, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { CircleAlert, Pencil, Plus, Trash2 } from "lucide-react";
import { toast } from "sonner";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { DataTable } from "~/components/ui/data-table";
import { useTRPC } from "~/trpc/react";
import { Time } from "../../_components/time";
import { ParameterDialog, type ParameterEdit, type ParameterRow } from "./parameter-dialog";
import { ConfirmDialog } from "../../_components/confirm-dialog";

type Can = { create: boolean; update: boolean; delete: boolean };

const baseColumns: ColumnDef<ParameterRow>[] = [
  { accessorKey: "key", header: "Key", cell: ({ row }) => <span className="font-mono text-sm font-medium">{row.original.key}</span> },
  {
    accessorKey: "value",
    header: "Value",
    cell: ({ row }) => {
      const p = row.original;
      if (p.value !== null) return <span className="line-clamp-3 max-w-xs font-mono text-sm break-all">{p.value}</span>;
      return <span className="text-muted-foreground text-sm">{p.defaultValue === null ? "unset (off)" : `unset (default ${p.defaultValue})`}</span>;
    },
  },
  {
    id: "description",
    header: "Description",
    enableSorting: false,
    cell: ({ row }) => {
      const p = row.original;
      if (!p.known) return <Badge variant="secondary">not used by Jobwarden</Badge>;
      return (
        <div className="grid max-w-md gap-0.5 text-sm whitespace-normal">
          <span>{p.description}</span>
          <span className="text-muted-foreground text-xs">
            Accepts {p.accepts}; applies {p.appliesWhen}.
          </span>
        </div>
      );
    },
  },
  {
    id: "updated",
    header: "Updated",
    accessorFn: (p) => p.updatedAt?.getTime() ?? 0,
    cell: ({ row }) => {
      const at = row.original.updatedAt;
      return at ? (
        <Time at={at} show="relative" title="dateTime" />
      ) : (
        <span className="text-muted-foreground">—</span>
      );
    },
  },
];

export function ParametersView({ can }: { can: Can }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const params = useQuery(trpc.parameter.find.queryOptions());
  const [edit, setEdit] = useState<ParameterEdit | null>(null);
  const [deleting, setDeleting] = useState<ParameterRow | null>(null);
  const remove = useMutation(
    trpc.parameter.delete.mutationOptions({
      onSuccess: ({ key }) => toast.success(`${key} removed`),
      onError: (e) => toast.error(e.message),
      onSettled: () => void queryClient.invalidateQueries(trpc.parameter.find.pathFilter()),
    }),
  );

  const columns = useMemo<ColumnDef<ParameterRow>[]>(() => {
    if (!can.create && !can.update && !can.delete) return baseColumns;
    return [
      ...baseColumns,
      {
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        enableSorting: false,
        cell: ({ row }) => {
          const p = row.original;
          const set = p.value !== null;
          return (
            <div className="flex justify-end gap-1">
              {set && can.update ? (
                <Button variant="ghost" size="icon-sm" aria-label={`Edit ${p.key}`} onClick={() => setEdit({ kind: "edit", row: p })}>
                  <Pencil aria-hidden="true" />
                </Button>
              ) : null}
              {!set && can.create ? (
                <Button variant="outline" size="sm" aria-label={`Set ${p.key}`} onClick={() => setEdit({ kind: "set", row: p })}>
                  Set
                </Button>
              ) : null}
              {set && can.delete ? (
                <Button variant="ghost" size="icon-sm" aria-label={`${p.known ? "Unset" : "Delete"} ${p.key}`} onClick={() => setDeleting(p)}>
                  <Trash2 aria-hidden="true" />
                </Button>
              ) : null}
            </div>
          );
        },
      },
    ];
  }, [can.create, can.update, can.delete]);

  return (
    <div className="space-y-4">
      {can.create ? (
        <div className="flex justify-end">
          <Button onClick={() => setEdit({ kind: "new" })}>
            <Plus aria-hidden="true" />
            New parameter
          </Button>
        </div>
      ) : null}
      {params.isError ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden="true" />
          <AlertTitle>Could not load the parameters</AlertTitle>
          <AlertDescription>{params.error.message}</AlertDescription>
        </Alert>
      ) : (
        <DataTable columns={columns} data={params.data ?? []} isLoading={params.isPending} getRowId={(p) => p.key} emptyMessage="No parameters." />
      )}

      <ParameterDialog edit={edit} onClose={() => setEdit(null)} />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(o) => !o && setDeleting(null)}
        title={deleting ? `${deleting.known ? "Unset" : "Delete"} ${deleting.key}?` : ""}
        description={
          deleting?.known
            ? `Jobwarden falls back to ${deleting.defaultValue === null ? "leaving it off" : `the default, ${deleting.defaultValue}`}, ${deleting.appliesWhen}.`
            : "Jobs or tools that read this key will no longer find it."
        }
        confirmLabel={deleting?.known ? "Unset" : "Delete"}
        destructive
        onConfirm={() => {
          if (deleting) remove.mutate({ key: deleting.key });
          setDeleting(null);
        }}
      />
    </div>
  );
}
