import type { Metadata } from "next";
import { hasPermission } from "~/server/domain/permissions";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { NewUserDialog } from "./_components/new-user-dialog";
import { UsersTable } from "./_components/users-table";
import { usersFindInput } from "./_components/find-input";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  const principal = await requirePermission("user:read");
  const canCreate = hasPermission(principal.permissions, "user:create");
  const canUpdate = hasPermission(principal.permissions, "user:update");
  await getQueryClient().prefetchInfiniteQuery(trpc.user.find.infiniteQueryOptions(usersFindInput(""), { getNextPageParam: (last) => last.nextCursor }));
  return (
    <HydrateClient>
      <PageHeader
        title="Users"
        description="Accounts of the console and the node APIs. Locking a user signs them out at once."
        actions={canCreate ? <NewUserDialog /> : null}
      />
      <UsersTable canUpdate={canUpdate} currentUserId={principal.id} />
    </HydrateClient>
  );
}
