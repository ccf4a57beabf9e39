import { z } from "zod";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import {
  ZParameterKeySchema,
  ZParameterValueSchema,
  createParameter,
  deleteParameter,
  findParameters,
  getParameter,
  updateParameter,
} from "~/server/services/parameters/parameters";

/** Existing keys are looked up as stored; only new keys must follow the key format. */
const ZExistingKeySchema = z.string().min(1).max(200);

export const ZCreateParameterRequestSchema = z.object({ key: ZParameterKeySchema, value: ZParameterValueSchema });
export const ZUpdateParameterRequestSchema = z.object({ key: ZExistingKeySchema, value: ZParameterValueSchema });

/** JQM's /prm: cluster-wide parameters. */
export const parameterRouter = createTRPCRouter({
  find: permissionProcedure("prm:read").query(({ ctx }) => findParameters(ctx.db)),

  get: permissionProcedure("prm:read")
    .input(z.object({ key: ZExistingKeySchema }))
    .query(({ ctx, input }) => getParameter(ctx.db, input.key)),

  create: permissionProcedure("prm:create")
    .input(ZCreateParameterRequestSchema)
    .mutation(({ ctx, input }) => createParameter(ctx.db, { actor: ctx.actor, ...input })),

  update: permissionProcedure("prm:update")
    .input(ZUpdateParameterRequestSchema)
    .mutation(({ ctx, input }) => updateParameter(ctx.db, { actor: ctx.actor, ...input })),

  delete: permissionProcedure("prm:delete")
    .input(z.object({ key: ZExistingKeySchema }))
    .mutation(({ ctx, input }) => deleteParameter(ctx.db, { actor: ctx.actor, key: input.key })),
});
