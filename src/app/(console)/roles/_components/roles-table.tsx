"use client";

import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { CircleAlert } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { DataTable } from "~/components/ui/data-table";
import { type RouterOutputs, useTRPC } from "~/trpc/react";

type RoleRow = RouterOutputs["role"]["find"][number];

const columns: ColumnDef<RoleRow>[] = [
  {
    accessorKey: "name",
    header: "Name",
    cell: ({ row }) => <span className="font-medium">{row.original.name}</span>,
  },
  {
    accessorKey: "description",
    header: "Description",
    enableSorting: false,
    cell: ({ row }) => (
      <span className="text-muted-foreground block max-w-sm min-w-48 whitespace-normal">{row.original.description}</span>
    ),
  },
  {
    id: "permissions",
    header: "Permissions",
    enableSorting: false,
    cell: ({ row }) => (
      <div className="flex max-w-md min-w-48 flex-wrap gap-1">
        {row.original.permissions.map((p) => (
          <Badge key={p} variant="outline" className="font-mono">
            {p}
          </Badge>
        ))}
      </div>
    ),
  },
  {
    accessorKey: "userCount",
    header: "Users",
    cell: ({ row }) => <span className="tabular-nums">{row.original.userCount}</span>,
  },
  {
    id: "builtIn",
    header: "Built-in",
    accessorFn: (r) => (r.builtIn ? "Yes" : "No"),
    cell: ({ row }) => (row.original.builtIn ? <Badge variant="secondary">Yes</Badge> : "No"),
  },
];

export function RolesTable() {
  const trpc = useTRPC();
  const roles = useQuery(trpc.role.find.queryOptions());
  if (roles.isError) {
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden="true" />
        <AlertTitle>Could not load the roles</AlertTitle>
        <AlertDescription>{roles.error.message}</AlertDescription>
      </Alert>
    );
  }
  return (
    <DataTable
      columns={columns}
      data={roles.data ?? []}
      isLoading={roles.isPending}
      getRowId={(r) => String(r.id)}
      emptyMessage="No roles yet. Run jobwarden init to create the built-in roles."
    />
  );
}
