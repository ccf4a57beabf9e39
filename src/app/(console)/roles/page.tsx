import type { Metadata } from "next";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { RolesTable } from "./_components/roles-table";

export const metadata: Metadata = { title: "Roles" };

export default async function RolesPage() {
  await requirePermission("role:read");
  return (
    <>
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
    </>
  );
}
