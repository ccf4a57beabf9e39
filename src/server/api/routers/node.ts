import { z } from "zod";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import { findNodes } from "~/server/services/nodes/find-nodes";
import { getNode, previewNodeChange } from "~/server/services/nodes/get-node";
import { MAX_ENGINE_LOG_LINES, readEngineLog } from "~/server/services/nodes/engine-log";
import { applyNodeAction } from "~/server/services/nodes/node-actions";
import { ZUpdateNodeSchema } from "~/server/domain/node-parameters";
import { updateNode } from "~/server/services/nodes/update-node";

const ZNodeIdSchema = z.object({ id: z.number().int().positive() });
export const ZNodeUpdateRequestSchema = ZNodeIdSchema.extend({
  changes: ZUpdateNodeSchema.omit({ stopRequested: true }),
  confirmExposure: z.boolean().default(false),
});

const action = (name: "stop" | "pause" | "resume") =>
  permissionProcedure("node:update")
    .input(ZNodeIdSchema)
    .mutation(({ ctx, input }) => applyNodeAction(ctx.db, { actor: ctx.actor, id: input.id, action: name }));

export const nodeRouter = createTRPCRouter({
  find: permissionProcedure("node:read").query(({ ctx }) => findNodes(ctx.db)),

  get: permissionProcedure("node:read")
    .input(ZNodeIdSchema)
    .query(({ ctx, input }) => getNode(ctx.db, input.id)),

  /** The exposure the edited parameters would give each API (shown in the confirmation). */
  preview: permissionProcedure("node:read")
    .input(ZNodeUpdateRequestSchema.omit({ confirmExposure: true }))
    .query(({ ctx, input }) => previewNodeChange(ctx.db, input.id, input.changes)),

  update: permissionProcedure("node:update")
    .input(ZNodeUpdateRequestSchema)
    .mutation(({ ctx, input }) => updateNode(ctx.db, { actor: ctx.actor, id: input.id, changes: input.changes, confirmExposure: input.confirmExposure })),

  /** The tail of the node's engine log, from its disk or through its API when it runs on another host. */
  engineLog: permissionProcedure("node:read")
    .input(ZNodeIdSchema.extend({ lines: z.number().int().min(1).max(MAX_ENGINE_LOG_LINES).default(200) }))
    .query(({ ctx, input }) => readEngineLog(ctx.db, { nodeId: input.id, lines: input.lines, principal: ctx.principal, actor: ctx.actor })),

  stop: action("stop"),
  pause: action("pause"),
  resume: action("resume"),
});
