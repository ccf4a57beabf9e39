"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { CircleAlert } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { DataTable } from "~/components/ui/data-table";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { Time } from "../../_components/time";
import { HealthBadge, listenAddress } from "./health-badge";
import { useRefreshInterval } from "../../_components/live-refresh";

type NodeRow = RouterOutputs["node"]["find"][number];

const columns: ColumnDef<NodeRow>[] = [
  {
    accessorKey: "name",
    header: "Name",
    cell: ({ row }) => (
      <span className="flex items-center gap-2">
        <Link href={`/nodes/${row.original.id}`} className="font-medium underline-offset-4 hover:underline">
          {row.original.name}
        </Link>
        {!row.original.enabled ? <Badge variant="outline">disabled</Badge> : null}
        {row.original.stopRequested ? <Badge variant="outline">stopping</Badge> : null}
      </span>
    ),
  },
  {
    accessorKey: "health",
    header: "Health",
    cell: ({ row }) => <HealthBadge health={row.original.health} />,
  },
  {
    id: "listensOn",
    header: "Listens on",
    accessorFn: (n) => listenAddress(n.host, n.port),
    cell: ({ getValue }) => <span className="font-mono text-xs">{getValue<string>()}</span>,
  },
  {
    id: "restApi",
    header: "REST API",
    accessorFn: (n) => (n.loadApiClient ? "On" : "Off"),
  },
  {
    id: "remoteManagement",
    header: "Remote management",
    accessorFn: (n) => (n.mgmtRemotePort === null ? "Off" : String(n.mgmtRemotePort)),
    cell: ({ getValue }) => {
      const value = getValue<string>();
      return value === "Off" ? value : <span className="font-mono text-xs">{value}</span>;
    },
  },
  {
    accessorKey: "running",
    header: "Running",
    cell: ({ row }) => <span className="tabular-nums">{row.original.running}</span>,
  },
  {
    id: "version",
    header: "Version",
    accessorFn: (n) => n.report?.version ?? "—",
  },
  {
    id: "lastSeen",
    header: "Last seen",
    accessorFn: (n) => n.lastSeenAlive?.getTime() ?? 0,
    cell: ({ row }) => {
      const seen = row.original.lastSeenAlive;
      return (
        <Time at={seen} show="relative" title="dateTime" />
      );
    },
  },
];

export function NodesTable() {
  const trpc = useTRPC();
  const nodes = useQuery({ ...trpc.node.find.queryOptions(), refetchInterval: useRefreshInterval(5000) });

  if (nodes.isError) {
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden="true" />
        <AlertTitle>Could not load the nodes</AlertTitle>
        <AlertDescription>{nodes.error.message}</AlertDescription>
      </Alert>
    );
  }
  return (
    <DataTable
      columns={columns}
      data={nodes.data ?? []}
      isLoading={nodes.isPending}
      getRowId={(n) => String(n.id)}
      emptyMessage={
        <>
          No nodes yet. Create one with <code className="font-mono">jobwarden node create --name &lt;name&gt;</code>.
        </>
      }
    />
  );
}
