"use client";

import { useEffect, useMemo, useState } from "react";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { CircleAlert, Loader2, Search } from "lucide-react";
import { toast } from "sonner";
import { Alert, AlertDescription, AlertTitle } from "~/components/ui/alert";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { DataTable } from "~/components/ui/data-table";
import { Input } from "~/components/ui/input";
import { type RouterOutputs, useTRPC } from "~/trpc/react";
import { Time } from "../../_components/time";
import { usersFindInput } from "./find-input";
import { ConfirmDialog } from "../../_components/confirm-dialog";
import { EditRolesDialog } from "./edit-roles-dialog";
import { PasswordDialog, type RevealedPassword } from "./password-dialog";
import { type UserActionKind, UserActionsMenu } from "./user-actions-menu";
import { UserStatusBadge, userStatus } from "./user-status";

type UserRow = RouterOutputs["user"]["find"]["items"][number];
type PendingAction = { kind: UserActionKind; user: UserRow };


function useDebounced<T>(value: T, delayMs: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return debounced;
}

const baseColumns: ColumnDef<UserRow>[] = [
  {
    accessorKey: "login",
    header: "Login",
    cell: ({ row }) => (
      <div className="grid">
        <span className="font-medium">{row.original.login}</span>
        {row.original.email ? <span className="text-muted-foreground text-xs">{row.original.email}</span> : null}
      </div>
    ),
  },
  {
    id: "roles",
    header: "Roles",
    enableSorting: false,
    cell: ({ row }) =>
      row.original.roles.length > 0 ? (
        <div className="flex max-w-sm flex-wrap gap-1">
          {row.original.roles.map((r) => (
            <Badge key={r.name} variant="secondary">
              {r.name}
            </Badge>
          ))}
        </div>
      ) : (
        <span className="text-muted-foreground">none</span>
      ),
  },
  {
    id: "status",
    header: "Status",
    accessorFn: (u) => userStatus(u),
    cell: ({ row }) => <UserStatusBadge status={userStatus(row.original)} />,
  },
  {
    id: "lastLogin",
    header: "Last login",
    accessorFn: (u) => u.lastLoginAt?.getTime() ?? 0,
    cell: ({ row }) => {
      const at = row.original.lastLoginAt;
      return (
        <Time at={at} show="relative" title="dateTime" />
      );
    },
  },
  {
    id: "created",
    header: "Created",
    accessorFn: (u) => u.createdAt.getTime(),
    cell: ({ row }) => (
      <Time at={row.original.createdAt} show="date" title="dateTime" />
    ),
  },
];

export function UsersTable({ canUpdate, currentUserId }: { canUpdate: boolean; currentUserId: number }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const query = useDebounced(search.trim(), 300);
  const [action, setAction] = useState<PendingAction | null>(null);
  const [actionOpen, setActionOpen] = useState(false);
  const [revealed, setRevealed] = useState<RevealedPassword | null>(null);

  const users = useInfiniteQuery({
    ...trpc.user.find.infiniteQueryOptions(
      usersFindInput(query),
      { getNextPageParam: (last) => last.nextCursor },
    ),
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => users.data?.pages.flatMap((p) => p.items) ?? [], [users.data]);

  const onSettled = () => void queryClient.invalidateQueries(trpc.user.find.pathFilter());
  const update = useMutation(
    trpc.user.update.mutationOptions({
      onSuccess: (user, input) => {
        if (input.locked !== undefined) toast.success(`${user.login} ${user.locked ? "locked" : "unlocked"}`);
        if (input.roles !== undefined) {
          toast.success(`Roles of ${user.login} saved`);
          setActionOpen(false);
          void queryClient.invalidateQueries(trpc.role.find.pathFilter());
        }
      },
      onError: (error) => toast.error(error.message),
      onSettled,
    }),
  );
  const resetPassword = useMutation(
    trpc.user.resetPassword.mutationOptions({
      onSuccess: (result) => {
        toast.success(`Password of ${result.login} reset`);
        setRevealed(result);
      },
      onError: (error) => toast.error(error.message),
      onSettled,
    }),
  );

  const columns = useMemo<ColumnDef<UserRow>[]>(
    () =>
      canUpdate
        ? [
            ...baseColumns,
            {
              id: "actions",
              header: () => <span className="sr-only">Actions</span>,
              enableSorting: false,
              cell: ({ row }) => (
                <div className="flex justify-end">
                  <UserActionsMenu
                    login={row.original.login}
                    locked={row.original.locked}
                    isSelf={row.original.id === currentUserId}
                    onAction={(kind) => {
                      setAction({ kind, user: row.original });
                      setActionOpen(true);
                    }}
                  />
                </div>
              ),
            },
          ]
        : baseColumns,
    [canUpdate, currentUserId],
  );

  const target = action?.user;
  const login = target?.login ?? "";

  return (
    <div className="space-y-4">
      <div className="relative max-w-xs">
        <Search className="text-muted-foreground pointer-events-none absolute top-2.5 left-2.5 size-4" aria-hidden="true" />
        <Input
          type="search"
          aria-label="Search users by login"
          placeholder="Search by login…"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          className="pl-8"
        />
      </div>

      {users.isError ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden="true" />
          <AlertTitle>Could not load the users</AlertTitle>
          <AlertDescription>{users.error.message}</AlertDescription>
        </Alert>
      ) : (
        <DataTable
          columns={columns}
          data={rows}
          isLoading={users.isPending}
          getRowId={(u) => String(u.id)}
          emptyMessage={query ? `No user matches “${query}”.` : "No users yet."}
        />
      )}

      {users.hasNextPage ? (
        <div className="flex justify-center">
          <Button variant="outline" onClick={() => void users.fetchNextPage()} disabled={users.isFetchingNextPage}>
            {users.isFetchingNextPage ? <Loader2 className="animate-spin" aria-hidden="true" /> : null}
            Load more
          </Button>
        </div>
      ) : null}

      <ConfirmDialog
        open={actionOpen && (action?.kind === "lock" || action?.kind === "unlock")}
        onOpenChange={setActionOpen}
        title={action?.kind === "unlock" ? `Unlock ${login}?` : `Lock ${login}?`}
        description={
          action?.kind === "unlock"
            ? `${login} will be able to sign in again.`
            : `${login} will be signed out at once and will not be able to sign in until unlocked.`
        }
        confirmLabel={action?.kind === "unlock" ? "Unlock" : "Lock"}
        destructive={action?.kind === "lock"}
        onConfirm={() => target && update.mutate({ id: target.id, locked: action?.kind === "lock" })}
      />
      <ConfirmDialog
        open={actionOpen && action?.kind === "resetPassword"}
        onOpenChange={setActionOpen}
        title={`Reset the password of ${login}?`}
        description={`A new password is generated and shown to you once. ${login}'s current password stops working at once.`}
        confirmLabel="Reset password"
        destructive
        onConfirm={() => target && resetPassword.mutate({ login: target.login })}
      />
      <EditRolesDialog
        open={actionOpen && action?.kind === "editRoles"}
        onOpenChange={setActionOpen}
        user={target ?? null}
        pending={update.isPending}
        onSave={(roles) => target && update.mutate({ id: target.id, roles })}
      />
      <PasswordDialog revealed={revealed} onClose={() => setRevealed(null)} />
    </div>
  );
}
