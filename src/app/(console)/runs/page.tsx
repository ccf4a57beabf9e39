import type { Metadata } from "next";
import { Suspense } from "react";
import { hasPermission } from "~/server/domain/permissions";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { NewLaunchDialog } from "./_components/new-launch-dialog";
import { RunsView } from "./_components/runs-view";
import { parseFilters, parseSort, parseTab, toFindInput } from "./_components/search-params";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Runs" };

type RunsPageProps = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function RunsPage({ searchParams }: RunsPageProps) {
  const principal = await requirePermission("job_instance:read");
  const canAct = hasPermission(principal.permissions, "job_instance:create");
  const canMove = canAct && hasPermission(principal.permissions, "queue_position:create") && hasPermission(principal.permissions, "queue:read");
  const params = new URLSearchParams();
  for (const [key, values] of Object.entries(await searchParams)) for (const value of [values ?? []].flat()) params.append(key, value);
  const tab = parseTab(params);
  await Promise.all([
    getQueryClient().prefetchInfiniteQuery(
      trpc.run.find.infiniteQueryOptions(toFindInput(tab, parseFilters(params), parseSort(tab, params)), { getNextPageParam: (last) => last.nextCursor ?? undefined }),
    ),
    getQueryClient().prefetchQuery(trpc.run.jobDefNames.queryOptions()),
  ]);
  return (
    <HydrateClient>
      <PageHeader
        title="Runs"
        description="Waiting and running runs (refreshed every 3 seconds) and the history of ended ones."
        actions={canAct ? <NewLaunchDialog /> : null}
      />
      <Suspense>
        <RunsView canAct={canAct} canMove={canMove} />
      </Suspense>
    </HydrateClient>
  );
}
