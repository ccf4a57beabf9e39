import { z } from "zod";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import { hasPermission } from "~/server/domain/permissions";
import { clearQueue, pauseQueue, resumeQueue } from "~/server/services/queues/queue-actions";
import { findQueueSummaries, getQueueSummary } from "~/server/services/queues/console-mapping";
import { ZQueueDescriptionSchema, ZQueueNameSchema, createQueue, deleteQueue, updateQueue } from "~/server/services/queues/queues";

const ZQueueIdSchema = z.object({ id: z.number().int().positive() });

export const ZCreateQueueRequestSchema = z.object({
  name: ZQueueNameSchema,
  description: ZQueueDescriptionSchema.optional(),
  isDefault: z.boolean().optional(),
});

export const ZUpdateQueueRequestSchema = z.object({
  id: z.number().int().positive(),
  name: ZQueueNameSchema.optional(),
  description: ZQueueDescriptionSchema.optional(),
  isDefault: z.boolean().optional(),
});

/** The mappings (which nodes poll the queue) need qmapping:read; status and counts do not. */
function withMappingsIf<Q extends { mappings: unknown[] }>(permissions: readonly string[], queue: Q) {
  return { ...queue, mappings: hasPermission(permissions, "qmapping:read") ? queue.mappings : null };
}

/** JQM's /q: queues with their mappings, status and counts; pause, resume and clear. */
export const queueRouter = createTRPCRouter({
  find: permissionProcedure("queue:read").query(async ({ ctx }) =>
    (await findQueueSummaries(ctx.db)).map((q) => withMappingsIf(ctx.principal.permissions, q)),
  ),

  get: permissionProcedure("queue:read")
    .input(ZQueueIdSchema)
    .query(async ({ ctx, input }) => withMappingsIf(ctx.principal.permissions, await getQueueSummary(ctx.db, input.id))),

  create: permissionProcedure("queue:create")
    .input(ZCreateQueueRequestSchema)
    .mutation(({ ctx, input }) => createQueue(ctx.db, { actor: ctx.actor, ...input })),

  update: permissionProcedure("queue:update")
    .input(ZUpdateQueueRequestSchema)
    .mutation(({ ctx, input }) => updateQueue(ctx.db, { actor: ctx.actor, ...input })),

  delete: permissionProcedure("queue:delete")
    .input(ZQueueIdSchema)
    .mutation(({ ctx, input }) => deleteQueue(ctx.db, { actor: ctx.actor, id: input.id })),

  pause: permissionProcedure("queue:update")
    .input(ZQueueIdSchema)
    .mutation(({ ctx, input }) => pauseQueue(ctx.db, { actor: ctx.actor, queueId: input.id })),

  resume: permissionProcedure("queue:update")
    .input(ZQueueIdSchema)
    .mutation(({ ctx, input }) => resumeQueue(ctx.db, { actor: ctx.actor, queueId: input.id })),

  clear: permissionProcedure("queue:update")
    .input(ZQueueIdSchema)
    .mutation(({ ctx, input }) => clearQueue(ctx.db, { actor: ctx.actor, queueId: input.id })),
});
