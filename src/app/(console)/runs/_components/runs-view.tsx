"use client";

import { useMemo, useState } from "react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { CircleAlert, Loader2, MoreHorizontal } from "lucide-react";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Button } from "~/components/ui/button";
import { Checkbox } from "~/components/ui/checkbox";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "~/components/ui/select";
import { DataTable } from "~/components/ui/data-table";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "~/components/ui/dropdown-menu";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "~/components/ui/tabs";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { Time } from "../../_components/time";
import { ConfirmActionDialog } from "./confirm-action-dialog";
import { FilterBar } from "./filter-bar";
import { ACTIONS, ACTIVE_ACTIONS, HISTORY_ACTIONS, type RunAction, useRunAction } from "./run-actions";
import { type RunFilters, type RunSort, type RunsTab, SORTS, parseFilters, parseSort, parseTab, toFindInput, toSearchParams } from "./search-params";
import { StateBadge } from "./state-badge";
import { useRefreshInterval } from "../../_components/live-refresh";

type RunRow = RouterOutputs["run"]["find"]["items"][number];

const MAX_SELECTION = 100;

function At({ at }: { at: Date | null }) {
  if (!at) return <span className="text-muted-foreground">—</span>;
  return <Time at={at} show="dateTime" className="whitespace-nowrap" />;
}

const dataColumns: ColumnDef<RunRow>[] = [
  {
    accessorKey: "id",
    header: "Id",
    cell: ({ row }) => (
      <Link href={`/runs/${row.original.id}`} className="font-medium underline-offset-4 hover:underline" aria-label={`Run ${row.original.id}`}>
        {row.original.id}
      </Link>
    ),
  },
  { accessorKey: "applicationName", header: "Application" },
  { accessorKey: "queueName", header: "Queue" },
  { accessorKey: "nodeName", header: "Node", cell: ({ row }) => row.original.nodeName ?? <span className="text-muted-foreground">—</span> },
  { accessorKey: "state", header: "State", cell: ({ row }) => <StateBadge state={row.original.state} /> },
  { accessorKey: "user", header: "User", cell: ({ row }) => row.original.user ?? <span className="text-muted-foreground">—</span> },
  { id: "enqueued", header: "Enqueued", accessorFn: (r) => r.enqueuedAt.getTime(), cell: ({ row }) => <At at={row.original.enqueuedAt} /> },
  { id: "started", header: "Started", accessorFn: (r) => r.startedAt?.getTime() ?? 0, cell: ({ row }) => <At at={row.original.startedAt} /> },
  { id: "ended", header: "Ended", accessorFn: (r) => r.endedAt?.getTime() ?? 0, cell: ({ row }) => <At at={row.original.endedAt} /> },
  {
    accessorKey: "progress",
    header: "Progress",
    cell: ({ row }) => (row.original.progress == null ? <span className="text-muted-foreground">—</span> : `${row.original.progress}%`),
  },
];

/** The runs list: tabs, filters from the URL, keyset "Load more", selection and bulk actions. */
export function RunsView({ canAct, canMove }: { canAct: boolean; canMove: boolean }) {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const tab = parseTab(searchParams);
  const filters = useMemo(() => parseFilters(searchParams), [searchParams]);
  const sort = useMemo(() => parseSort(tab, searchParams), [tab, searchParams]);
  const input = useMemo(() => toFindInput(tab, filters, sort), [tab, filters, sort]);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  /** The action waiting for confirmation, and the runs it applies to (the selection, or one row). */
  const [pending, setPending] = useState<{ action: RunAction; ids: number[] } | null>(null);
  const actions = useRunAction(() => setSelected(new Set()));

  const refreshInterval = useRefreshInterval(3000);
  const runs = useInfiniteQuery({
    ...trpc.run.find.infiniteQueryOptions(input, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
    placeholderData: keepPreviousData,
    refetchInterval: tab === "active" ? refreshInterval : false,
  });
  const jobDefs = useQuery({ ...trpc.run.jobDefNames.queryOptions(), staleTime: 60_000 });
  const queues = useQuery({ ...trpc.queue.find.queryOptions(), staleTime: 60_000, enabled: canMove });
  const rows = useMemo(() => runs.data?.pages.flatMap((p) => p.items) ?? [], [runs.data]);

  function navigate(nextTab: RunsTab, next: RunFilters, nextSort: RunSort = sort) {
    setSelected(new Set());
    const offered = SORTS.find((s) => s.value === nextSort)?.tabs.includes(nextTab);
    const qs = toSearchParams(nextTab, next, offered ? nextSort : "newest").toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  }

  const visibleIds = rows.map((r) => r.id);
  const selectedIds = visibleIds.filter((id) => selected.has(id));
  const allSelected = visibleIds.length > 0 && selectedIds.length === Math.min(visibleIds.length, MAX_SELECTION);

  const columns = useMemo<ColumnDef<RunRow>[]>(() => {
    if (!canAct) return dataColumns;
    const offered = [...ACTIVE_ACTIONS, ...HISTORY_ACTIONS].filter((a) => canMove || a !== "setQueue");
    const toggle = (id: number, on: boolean) =>
      setSelected((s) => {
        const next = new Set(s);
        if (on && next.size < MAX_SELECTION) next.add(id);
        else next.delete(id);
        return next;
      });
    return [
      {
        id: "select",
        enableSorting: false,
        header: () => (
          <Checkbox
            aria-label="Select all shown runs"
            checked={allSelected ? true : selectedIds.length > 0 ? "indeterminate" : false}
            onCheckedChange={(on) => setSelected(on === true ? new Set(visibleIds.slice(0, MAX_SELECTION)) : new Set())}
          />
        ),
        cell: ({ row }) => (
          <Checkbox
            aria-label={`Select run ${row.original.id}`}
            checked={selected.has(row.original.id)}
            onCheckedChange={(on) => toggle(row.original.id, on === true)}
          />
        ),
      },
      ...dataColumns,
      {
        id: "actions",
        enableSorting: false,
        header: () => <span className="sr-only">Actions</span>,
        cell: ({ row }) => {
          const run = row.original;
          const available = offered.filter((a) => ACTIONS[a].states.includes(run.state));
          if (available.length === 0) return null;
          return (
            <DropdownMenu>
              <DropdownMenuTrigger asChild>
                <Button variant="ghost" size="icon" aria-label={`Actions for run ${run.id}`}>
                  <MoreHorizontal aria-hidden="true" />
                </Button>
              </DropdownMenuTrigger>
              <DropdownMenuContent align="end">
                {available.map((a) => (
                  <DropdownMenuItem key={a} variant={ACTIONS[a].destructive ? "destructive" : "default"} onSelect={() => setPending({ action: a, ids: [run.id] })}>
                    {ACTIONS[a].label}
                  </DropdownMenuItem>
                ))}
              </DropdownMenuContent>
            </DropdownMenu>
          );
        },
      },
    ];
    // eslint-disable-next-line react-hooks/exhaustive-deps -- visibleIds/selectedIds derive from rows and selected
  }, [canAct, canMove, selected, rows, allSelected]);

  const bulkActions = tab === "active" ? ACTIVE_ACTIONS.filter((a) => canMove || a !== "setQueue") : HISTORY_ACTIONS;

  return (
    <Tabs
      value={tab}
      activationMode="manual"
      onValueChange={(t) => t !== tab && navigate(t as RunsTab, { ...filters, state: [], endAfter: "", endBefore: "" })}
      className="gap-4"
    >
      <div className="flex flex-wrap items-center justify-between gap-3">
        <TabsList aria-label="Runs">
          <TabsTrigger value="active">Active</TabsTrigger>
          <TabsTrigger value="history">History</TabsTrigger>
        </TabsList>
        <Select value={sort} onValueChange={(v) => navigate(tab, filters, v as RunSort)}>
          <SelectTrigger aria-label="Sort runs" className="w-44">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {SORTS.filter((s) => s.tabs.includes(tab)).map((s) => (
              <SelectItem key={s.value} value={s.value}>
                {s.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>

      <TabsContent value={tab} className="space-y-4">
        <FilterBar
          key={`${tab}:${searchParams.toString()}`}
          tab={tab}
          initial={filters}
          applicationNames={jobDefs.data?.map((j) => j.applicationName) ?? []}
          onApply={(next) => navigate(tab, next)}
        />

        {canAct ? (
          <div className="flex min-h-9 flex-wrap items-center gap-2" aria-label="Bulk actions" role="toolbar">
            <span className="text-muted-foreground text-sm" data-testid="selection-count">
              {selectedIds.length > 0 ? `${selectedIds.length} selected` : "Select runs to act on them"}
            </span>
            {bulkActions.map((a) => (
              <Button
                key={a}
                size="sm"
                variant={ACTIONS[a].destructive ? "destructive" : "outline"}
                disabled={selectedIds.length === 0 || actions.pending}
                onClick={() => setPending({ action: a, ids: selectedIds })}
              >
                {ACTIONS[a].label}
              </Button>
            ))}
          </div>
        ) : null}

        {runs.isError ? (
          <Alert variant="destructive">
            <CircleAlert aria-hidden="true" />
            <AlertTitle>Could not load the runs</AlertTitle>
            <AlertDescription>{runs.error.message}</AlertDescription>
          </Alert>
        ) : (
          <DataTable
            columns={columns}
            data={rows}
            isLoading={runs.isPending}
            getRowId={(r) => String(r.id)}
            enableSorting={false}
            emptyMessage={tab === "active" ? "No waiting or running run matches." : "No ended run matches."}
          />
        )}

        {runs.hasNextPage ? (
          <div className="flex justify-center">
            <Button variant="outline" onClick={() => void runs.fetchNextPage()} disabled={runs.isFetchingNextPage}>
              {runs.isFetchingNextPage ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
              Load more
            </Button>
          </div>
        ) : null}

        <ConfirmActionDialog
          action={pending?.action ?? null}
          ids={pending?.ids ?? []}
          queueNames={queues.data?.map((q) => q.name) ?? []}
          onOpenChange={(open) => !open && setPending(null)}
          onConfirm={(value) => {
            if (pending) actions.run(pending.action, pending.ids, value);
            setPending(null);
          }}
        />
      </TabsContent>
    </Tabs>
  );
}
