import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ArrowLeft } from "lucide-react";
import { hasPermission } from "~/server/domain/permissions";
import { PageHeader } from "../../_components/page-header";
import { requirePermission } from "../../require-permission";
import { RunDetail } from "./_components/run-detail";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Run ${id.slice(0, 12)}` };
}

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const principal = await requirePermission("job_instance:read");
  const { id: raw } = await params;
  if (!/^[1-9]\d{0,9}$/.test(raw) || Number(raw) > 2_147_483_647) notFound();
  const id = Number(raw);
  const can = (p: Parameters<typeof hasPermission>[1]) => hasPermission(principal.permissions, p);
  await getQueryClient().prefetchQuery(trpc.run.get.queryOptions({ id }));
  return (
    <HydrateClient>
      <Link href="/runs" className="text-muted-foreground hover:text-foreground inline-flex items-center gap-1 text-sm">
        <ArrowLeft className="size-4" aria-hidden="true" />
        Runs
      </Link>
      <PageHeader title={`Run ${id}`} />
      <RunDetail id={id} canAct={can("job_instance:create")} canLogs={can("logs:read")} canFiles={can("files:read")} />
    </HydrateClient>
  );
}
