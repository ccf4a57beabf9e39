import { z } from "zod";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import { AppError } from "~/server/services/errors";
import { ZUpdateNodeSchema, updateNode } from "~/server/services/nodes/update-node";
import { bindChoices, getSecurityReport, toNodeConfig } from "~/server/services/security/get-security-report";
import { previewExposure } from "~/security/evaluate";
import type { ApiKind } from "~/security/types";

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

const APIS: ApiKind[] = ["simple", "client", "mgmt-remote"];

export const securityRouter = createTRPCRouter({
  get: permissionProcedure("security:read").query(({ ctx }) => getSecurityReport(ctx.db)),

  /** The exposure a change would give, stated in the confirmation before it is made. */
  preview: permissionProcedure("security:read")
    .input(ZNodeChangeSchema)
    .query(async ({ ctx, input }) => {
      const node = await ctx.db.node.findUnique({ where: { id: input.nodeId }, include: { report: true } });
      if (!node) throw new AppError("NOT_FOUND", `No node with id ${input.nodeId}`);
      const config = { ...toNodeConfig(node), ...input.changes };
      return APIS.map((api) => ({ api, ...previewExposure(config, api) }));
    }),

  update: permissionProcedure("node:update")
    .input(ZNodeChangeSchema)
    .mutation(async ({ ctx, input }) => {
      const node = await ctx.db.node.findUnique({ where: { id: input.nodeId }, include: { report: true } });
      if (!node) throw new AppError("NOT_FOUND", `No node with id ${input.nodeId}`);
      const { host, tlsEnabled } = input.changes;
      if (host !== undefined && !bindChoices(node).some((c) => c.address === host)) {
        throw new AppError("BAD_REQUEST", `${host} is neither loopback, all interfaces, nor an address node ${node.name} reported`);
      }
      if (tlsEnabled && !(node.tlsCertPath && node.tlsKeyPath)) {
        throw new AppError("BAD_REQUEST", `Node ${node.name} has no certificate yet: run \`jobwarden pki node ${node.name}\` and set its TLS files first`);
      }
      return updateNode(ctx.db, { actor: ctx.actor, id: input.nodeId, changes: input.changes });
    }),
});
