import type { Metadata } from "next";
import { hasPermission } from "~/server/domain/permissions";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { ParametersView } from "./_components/parameters-view";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Parameters" };

export default async function ParametersPage() {
  const principal = await requirePermission("prm:read");
  const can = (p: Parameters<typeof hasPermission>[1]) => hasPermission(principal.permissions, p);
  await getQueryClient().prefetchQuery(trpc.parameter.find.queryOptions());
  return (
    <HydrateClient>
      <PageHeader
        title="Parameters"
        description="Cluster-wide (global) parameters. Jobwarden reads the ones described below; other keys are kept for your own jobs and tools."
      />
      <ParametersView can={{ create: can("prm:create"), update: can("prm:update"), delete: can("prm:delete") }} />
    </HydrateClient>
  );
}
