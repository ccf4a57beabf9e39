import type { Metadata } from "next";
import { hasPermission } from "~/server/domain/permissions";
import { HEARTBEAT_INTERVAL_MS } from "~/server/services/nodes/node-health";
import { PageHeader } from "../_components/page-header";
import { requirePermission } from "../require-permission";
import { QueueFormDialog } from "./_components/queue-form-dialog";
import { QueuesView } from "./_components/queues-view";
import { HydrateClient, getQueryClient, trpc } from "~/trpc/server";

export const metadata: Metadata = { title: "Queues" };

export default async function QueuesPage() {
  const principal = await requirePermission("queue:read");
  const can = (p: Parameters<typeof hasPermission>[1]) => hasPermission(principal.permissions, p);
  await getQueryClient().prefetchQuery(trpc.queue.find.queryOptions());
  return (
    <HydrateClient>
      <PageHeader
        title="Queues"
        description="Queues hold waiting runs; mappings say which nodes poll each queue, with how many threads and how often."
        actions={can("queue:create") ? <QueueFormDialog mode="create" /> : null}
      />
      <QueuesView
        heartbeatMs={HEARTBEAT_INTERVAL_MS}
        can={{
          queueUpdate: can("queue:update"),
          queueDelete: can("queue:delete"),
          mappingRead: can("qmapping:read"),
          mappingCreate: can("qmapping:create"),
          mappingUpdate: can("qmapping:update"),
          mappingDelete: can("qmapping:delete"),
          nodeRead: can("node:read"),
        }}
      />
    </HydrateClient>
  );
}
