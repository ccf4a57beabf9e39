import type { Metadata } from "next";
import { hasPermission } from "~/server/domain/permissions";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { NewJobDefButton } from "./_components/jobdef-dialog";
import { JobDefsTable } from "./_components/jobdefs-table";
import { ExportButton, ImportDialog } from "./_components/xml-actions";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Job definitions" };

export default async function JobDefsPage() {
  const principal = await requirePermission("jd:read");
  const can = {
    create: hasPermission(principal.permissions, "jd:create"),
    update: hasPermission(principal.permissions, "jd:update"),
    delete: hasPermission(principal.permissions, "jd:delete"),
  };
  await getQueryClient().prefetchQuery(trpc.jobDef.find.queryOptions());
  return (
    <HydrateClient>
      <PageHeader
        title="Job definitions"
        description="What nodes run: the command, its queue, default parameters, tags and cron schedules. Import and export use JQM's XML deployment descriptor."
        actions={
          <>
            <ExportButton />
            {can.create ? <ImportDialog /> : null}
            {can.create ? <NewJobDefButton /> : null}
          </>
        }
      />
      <JobDefsTable can={can} />
    </HydrateClient>
  );
}
