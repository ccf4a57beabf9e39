import { z } from "zod";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import type { Actor } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { listJobDefNames } from "~/server/services/jobdefs/read-model";
import { ZEnqueueRunSchema, enqueueRun } from "~/server/services/runs/enqueue-run";
import { ZFindRunsSchema, findRuns, getRunDetail } from "~/server/services/runs/console-mapping";
import { cancelRun, killRun, pauseRun, relaunchRun, restartRun, resumeRun, setRunPriority, setRunQueue } from "~/server/services/runs/instruct-run";
import type { Db } from "~/server/db";
import { logger } from "~/server/logger";

/** The most runs one bulk action may touch. */
export const MAX_BULK_RUNS = 100;

const ZRunIdSchema = z.number().int().positive().max(2_147_483_647);
export const ZRunIdsSchema = z.object({
  ids: z.array(ZRunIdSchema).min(1, "Select at least one run").max(MAX_BULK_RUNS, `At most ${MAX_BULK_RUNS} runs at a time`),
});
export const ZSetPriorityRequestSchema = ZRunIdsSchema.extend({ priority: z.number().int().min(-1000).max(1000) });
export const ZSetQueueRequestSchema = ZRunIdsSchema.extend({ queueName: z.string().trim().min(1, "Choose a queue").max(100) });
export const ZEnqueueRequestSchema = ZEnqueueRunSchema.pick({ applicationName: true, parameters: true });

export type BulkRunResult = { id: number; ok: boolean; error?: string; newId?: number };

/**
 * Applies `action` to each run in turn: one failure does not stop (or hide) the others. Only
 * AppError messages reach the caller; anything unexpected is reported generically.
 */
async function eachRun(
  db: Db,
  actor: Actor,
  ids: number[],
  action: (db: Db, change: { actor: Actor; id: number }) => Promise<{ id: number }>,
  { returnsNewId = false } = {},
): Promise<BulkRunResult[]> {
  const results: BulkRunResult[] = [];
  for (const id of [...new Set(ids)]) {
    try {
      const r = await action(db, { actor, id });
      results.push(returnsNewId ? { id, ok: true, newId: r.id } : { id, ok: true });
    } catch (e) {
      results.push({ id, ok: false, error: e instanceof AppError ? e.message : `Run ${id}: unexpected error` });
      if (!(e instanceof AppError)) logger.error({ err: e, run: id }, "run action failed");
    }
  }
  return results;
}

const bulk = (action: Parameters<typeof eachRun>[3], returnsNewId = false) =>
  permissionProcedure("job_instance:create")
    .input(ZRunIdsSchema)
    .mutation(({ ctx, input }) => eachRun(ctx.db, ctx.actor, input.ids, action, { returnsNewId }));

export const runRouter = createTRPCRouter({
  find: permissionProcedure("job_instance:read")
    .input(ZFindRunsSchema)
    .query(({ ctx, input }) => findRuns(ctx.db, input)),

  get: permissionProcedure("job_instance:read")
    .input(z.object({ id: ZRunIdSchema }))
    .query(({ ctx, input }) => getRunDetail(ctx.db, input.id)),

  /** Names of the job definitions, for the application filter and the New launch dialog. */
  jobDefNames: permissionProcedure("job_instance:read").query(({ ctx }) => listJobDefNames(ctx.db)),

  enqueue: permissionProcedure("job_instance:create")
    .input(ZEnqueueRequestSchema)
    .mutation(({ ctx, input }) => enqueueRun(ctx.db, input, ctx.actor)),

  kill: bulk(killRun),
  cancel: bulk(cancelRun),
  pause: bulk(pauseRun),
  resume: bulk(resumeRun),
  restart: bulk(restartRun, true),
  relaunch: bulk(relaunchRun, true),

  /** Moves waiting runs to another queue; like JQM's queue switch, it needs queue_position:create. */
  setQueue: permissionProcedure("queue_position:create")
    .input(ZSetQueueRequestSchema)
    .mutation(({ ctx, input }) => eachRun(ctx.db, ctx.actor, input.ids, (db, change) => setRunQueue(db, { ...change, queueName: input.queueName }))),

  setPriority: permissionProcedure("job_instance:create")
    .input(ZSetPriorityRequestSchema)
    .mutation(({ ctx, input }) => eachRun(ctx.db, ctx.actor, input.ids, (db, change) => setRunPriority(db, { ...change, priority: input.priority }))),
});
