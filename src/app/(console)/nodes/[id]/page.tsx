import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ArrowLeft } from "lucide-react";
import { hasPermission } from "~/server/domain/permissions";
import { requirePermission } from "../../require-permission";
import { NodeDetail } from "./_components/node-detail";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Node" };

export default async function NodePage({ params }: { params: Promise<{ id: string }> }) {
  const principal = await requirePermission("node:read");
  const { id: raw } = await params;
  if (!/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 2_147_483_647) notFound();
  await getQueryClient().prefetchQuery(trpc.node.get.queryOptions({ id: Number(raw) }));
  return (
    <HydrateClient>
      <Link href="/nodes" className="text-muted-foreground hover:text-foreground inline-flex items-center gap-1 text-sm">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Nodes
      </Link>
      <NodeDetail id={Number(raw)} canEdit={hasPermission(principal.permissions, "node:update")} />
    </HydrateClient>
  );
}
