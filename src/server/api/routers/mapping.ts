import { z } from "zod";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import {
  ZMaxThreadsSchema,
  ZPollingIntervalSchema,
  createMapping,
  deleteMapping,
  findMappings,
  updateMapping,
} from "~/server/services/queues/mappings";

const id = z.number().int().positive();

export const ZFindMappingsRequestSchema = z.object({ nodeId: id.optional(), queueId: id.optional() }).default({});

export const ZCreateMappingRequestSchema = z.object({
  nodeId: id,
  queueId: id,
  maxThreads: ZMaxThreadsSchema.optional(),
  pollingIntervalMs: ZPollingIntervalSchema.optional(),
  enabled: z.boolean().optional(),
});

export const ZUpdateMappingRequestSchema = z.object({
  id,
  maxThreads: ZMaxThreadsSchema.optional(),
  pollingIntervalMs: ZPollingIntervalSchema.optional(),
  enabled: z.boolean().optional(),
});

/** JQM's /qmapping: which node polls which queue, with how many threads and how often. */
export const mappingRouter = createTRPCRouter({
  find: permissionProcedure("qmapping:read")
    .input(ZFindMappingsRequestSchema)
    .query(({ ctx, input }) => findMappings(ctx.db, input)),

  create: permissionProcedure("qmapping:create")
    .input(ZCreateMappingRequestSchema)
    .mutation(({ ctx, input }) => createMapping(ctx.db, { actor: ctx.actor, ...input })),

  update: permissionProcedure("qmapping:update")
    .input(ZUpdateMappingRequestSchema)
    .mutation(({ ctx, input }) => updateMapping(ctx.db, { actor: ctx.actor, ...input })),

  delete: permissionProcedure("qmapping:delete")
    .input(z.object({ id }))
    .mutation(({ ctx, input }) => deleteMapping(ctx.db, { actor: ctx.actor, id: input.id })),
});
