import type { Metadata } from "next";
import { hasPermission } from "~/server/domain/permissions";
import { requirePermission } from "../require-permission";
import { SecurityView } from "./_components/security-view";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Security" };

export default async function SecurityPage() {
  const principal = await requirePermission("security:read");
  const canEdit = hasPermission(principal.permissions, "node:update");
  await getQueryClient().prefetchQuery(trpc.security.get.queryOptions());
  return (
    <HydrateClient>
      <SecurityView canEdit={canEdit} />
    </HydrateClient>
  );
}
