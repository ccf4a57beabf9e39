import type { Metadata } from "next";
import { Suspense } from "react";
import { hasPermission } from "~/server/domain/permissions";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { NewLaunchDialog } from "./_components/new-launch-dialog";
import { RunsView } from "./_components/runs-view";

export const metadata: Metadata = { title: "Runs" };

export default async function RunsPage() {
  const principal = await requirePermission("job_instance:read");
  const canAct = hasPermission(principal.permissions, "job_instance:create");
  const canMove = canAct && hasPermission(principal.permissions, "queue_position:create") && hasPermission(principal.permissions, "queue:read");
  return (
    <>
      <PageHeader
        title="Runs"
        description="Waiting and running runs (refreshed every 3 seconds) and the history of ended ones."
        actions={canAct ? <NewLaunchDialog /> : null}
      />
      <Suspense>
        <RunsView canAct={canAct} canMove={canMove} />
      </Suspense>
    </>
  );
}
