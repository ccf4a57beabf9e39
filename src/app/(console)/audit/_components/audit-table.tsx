"use client";

import { useMemo } from "react";
import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { CircleAlert, Loader2 } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { DataTable } from "~/components/ui/data-table";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { Time } from "../../_components/time";
import { type AuditFilterValues, localDate } from "./audit-filters-params";

type AuditRow = RouterOutputs["audit"]["find"]["items"][number];

const PAGE_SIZE = 50;

/** JSON as text: React escapes it, so nothing stored in an event can become markup. */
function prettyJson(value: unknown): string {
  return value === null || value === undefined ? "—" : JSON.stringify(value, null, 2);
}

function Details({ event }: { event: AuditRow }) {
  if (event.before == null && event.after == null && !event.userAgent) return <span className="text-muted-foreground">—</span>;
  return (
    <details data-testid="audit-details" className="group max-w-xl">
      <summary className="text-muted-foreground hover:text-foreground cursor-pointer text-xs font-medium select-none">Before / after</summary>
      <div className="mt-2 grid gap-2 md:grid-cols-2">
        <div className="min-w-0">
          <div className="text-muted-foreground mb-1 text-xs font-medium uppercase">Before</div>
          <pre data-testid="audit-before" className="bg-muted max-h-72 overflow-auto rounded-md p-2 font-mono text-xs whitespace-pre">
            {prettyJson(event.before)}
          </pre>
        </div>
        <div className="min-w-0">
          <div className="text-muted-foreground mb-1 text-xs font-medium uppercase">After</div>
          <pre data-testid="audit-after" className="bg-muted max-h-72 overflow-auto rounded-md p-2 font-mono text-xs whitespace-pre">
            {prettyJson(event.after)}
          </pre>
        </div>
      </div>
      {event.userAgent ? <p className="text-muted-foreground mt-2 text-xs break-all">User agent: {event.userAgent}</p> : null}
    </details>
  );
}

const columns: ColumnDef<AuditRow>[] = [
  {
    id: "at",
    header: "Time",
    cell: ({ row }) => (
      <Time at={row.original.at} show="dateTime" title="relative" className="whitespace-nowrap" />
    ),
  },
  { accessorKey: "login", header: "Who", cell: ({ row }) => <span className="font-medium">{row.original.login}</span> },
  {
    accessorKey: "fromAddress",
    header: "From",
    cell: ({ row }) => <span className="font-mono text-xs">{row.original.fromAddress ?? "—"}</span>,
  },
  {
    accessorKey: "action",
    header: "Action",
    cell: ({ row }) => (
      <Badge variant="outline" className="font-mono">
        {row.original.action}
      </Badge>
    ),
  },
  {
    id: "object",
    header: "Object",
    cell: ({ row }) => (
      <span className="whitespace-nowrap">
        {row.original.objectType}
        {row.original.objectId != null ? <span className="text-muted-foreground font-mono text-xs"> #{row.original.objectId}</span> : null}
      </span>
    ),
  },
  { id: "details", header: "Details", cell: ({ row }) => <Details event={row.original} /> },
];

export function AuditTable({ filters }: { filters: AuditFilterValues }) {
  const trpc = useTRPC();
  const input = {
    login: filters.login || undefined,
    action: filters.action || undefined,
    objectType: filters.objectType || undefined,
    objectId: filters.objectId || undefined,
    from: localDate(filters.from),
    to: localDate(filters.to),
    limit: PAGE_SIZE,
  };
  const events = useInfiniteQuery({
    ...trpc.audit.find.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor }),
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => events.data?.pages.flatMap((p) => p.items) ?? [], [events.data]);

  if (events.isError) {
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden="true" />
        <AlertTitle>Could not load the audit trail</AlertTitle>
        <AlertDescription>{events.error.message}</AlertDescription>
      </Alert>
    );
  }
  return (
    <div className="space-y-3" data-testid="audit-events" aria-busy={events.isPlaceholderData || events.isPending}>
      <DataTable
        className={events.isPlaceholderData ? "opacity-60 transition-opacity" : undefined}
        columns={columns}
        data={rows}
        isLoading={events.isPending}
        enableSorting={false}
        getRowId={(e) => String(e.id)}
        emptyMessage="No audit event matches these filters."
      />
      <div className="flex items-center gap-3">
        {events.hasNextPage ? (
          <Button variant="outline" size="sm" onClick={() => void events.fetchNextPage()} disabled={events.isFetchingNextPage}>
            {events.isFetchingNextPage ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
            Load more
          </Button>
        ) : null}
        <span className="text-muted-foreground text-xs" aria-live="polite">
          {events.isPending ? "" : `${rows.length} event${rows.length === 1 ? "" : "s"} shown, newest first`}
        </span>
      </div>
    </div>
  );
}
