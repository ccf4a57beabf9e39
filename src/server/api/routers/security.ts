import { z } from "zod";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import { previewNodeChange } from "~/server/services/nodes/get-node";
import { ZUpdateNodeSchema } from "~/server/domain/node-parameters";
import { updateNode } from "~/server/services/nodes/update-node";
import { getSecurityReport } from "~/server/services/security/get-security-report";

/** What the security page may toggle on a node. */
export const ZSecurityChangeSchema = ZUpdateNodeSchema.pick({
  host: true,
  loadApiClient: true,
  mgmtRemotePort: true,
  tlsEnabled: true,
  authSimple: true,
  authClient: true,
  authMgmt: true,
  anonymousConfirmed: true,
});
const ZNodeChangeSchema = z.object({ nodeId: z.number().int().positive(), changes: ZSecurityChangeSchema });

export const securityRouter = createTRPCRouter({
  get: permissionProcedure("security:read").query(({ ctx }) => getSecurityReport(ctx.db)),

  /** The exposure a change would give, stated in the confirmation before it is made. */
  preview: permissionProcedure("security:read")
    .input(ZNodeChangeSchema)
    .query(({ ctx, input }) => previewNodeChange(ctx.db, input.nodeId, input.changes)),

  update: permissionProcedure("node:update")
    .input(ZNodeChangeSchema.extend({ confirmExposure: z.boolean().default(false) }))
    .mutation(({ ctx, input }) =>
      updateNode(ctx.db, { actor: ctx.actor, id: input.nodeId, changes: input.changes, confirmExposure: input.confirmExposure }),
    ),
});
