import { authenticatedProcedure, createTRPCRouter } from "~/server/api/trpc";
import { hasPermission } from "~/server/domain/permissions";
import { getOverview } from "~/server/services/stats/get-overview";

export const statsRouter = createTRPCRouter({
  /** Any signed-in user; each section needs its own read permission and is null without it. */
  overview: authenticatedProcedure.query(({ ctx }) => {
    const granted = ctx.principal.permissions;
    return getOverview(ctx.db, {
      include: {
        runs: hasPermission(granted, "job_instance:read"),
        nodes: hasPermission(granted, "node:read"),
        queues: hasPermission(granted, "queue:read"),
      },
    });
  }),
});
