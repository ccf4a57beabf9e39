import type { Metadata } from "next";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { RolesTable } from "./_components/roles-table";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Roles" };

export default async function RolesPage() {
  await requirePermission("role:read");
  await getQueryClient().prefetchQuery(trpc.role.find.queryOptions());
  return (
    <HydrateClient>
      <PageHeader
        title="Roles"
        description={
          <>
            A role grants <code className="font-mono">object:verb</code> permissions; a user has the union of their roles&apos;
            permissions.
          </>
        }
      />
      <RolesTable />
    </HydrateClient>
  );
}
