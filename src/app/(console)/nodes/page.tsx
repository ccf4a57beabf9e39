import type { Metadata } from "next";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { NodesTable } from "./_components/nodes-table";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Nodes" };

export default async function NodesPage() {
  await requirePermission("node:read");
  await getQueryClient().prefetchQuery(trpc.node.find.queryOptions());
  return (
    <HydrateClient>
      <PageHeader title="Nodes" description="Engine nodes of the cluster, their health and their APIs. Refreshed every 5 seconds." />
      <NodesTable />
    </HydrateClient>
  );
}
