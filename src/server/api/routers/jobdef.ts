import { AppError } from "~/server/services/errors";
import { hasPermission } from "~/server/domain/permissions";
import { z } from "zod";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import { createJobDef } from "~/server/services/jobdefs/create-jobdef";
import { cronError, cronTimeZone, nextOccurrences } from "~/server/services/jobdefs/cron";
import { deleteJobDef } from "~/server/services/jobdefs/delete-jobdef";
import { getJobDef, listJobDefs, listQueueNames } from "~/server/services/jobdefs/read-model";
import { createJobSchedule, deleteJobSchedule, updateJobSchedule } from "~/server/services/jobdefs/job-schedules";
import {
  ZJobDefNameSchema,
  ZJobDefSchema,
  ZJobScheduleSchema,
  ZUpdateJobDefSchema,
  ZUpdateJobScheduleSchema,
} from "~/server/services/jobdefs/jobdef-schema";
import { XML_MAX_BYTES, exportJobDefsXml, importJobDefsXml } from "~/server/services/jobdefs/jobdef-xml";
import { updateJobDef } from "~/server/services/jobdefs/update-jobdef";

const ZIdSchema = z.number().int().positive();

export const ZJobDefIdRequestSchema = z.object({ id: ZIdSchema });
export const ZUpdateJobDefRequestSchema = z.object({ id: ZIdSchema, changes: ZUpdateJobDefSchema });
export const ZCreateJobScheduleRequestSchema = z.object({ jobDefId: ZIdSchema, schedule: ZJobScheduleSchema });
export const ZUpdateJobScheduleRequestSchema = z.object({ id: ZIdSchema, changes: ZUpdateJobScheduleSchema });
export const ZPreviewCronRequestSchema = z.object({ cronExpression: z.string().max(200), count: z.number().int().min(1).max(20).default(5) });
export const ZExportJobDefsRequestSchema = z.object({ name: ZJobDefNameSchema.optional() }).default({});
// A string has at most as many characters as bytes: the service also checks the bytes.
export const ZImportJobDefsRequestSchema = z.object({ xml: z.string().max(XML_MAX_BYTES, "The file is larger than 1 MB") });

export const jobDefRouter = createTRPCRouter({
  find: permissionProcedure("jd:read").query(({ ctx }) => listJobDefs(ctx.db)),

  /** Queues a definition or a schedule may use (names only: jd:read is enough). */
  queueNames: permissionProcedure("jd:read").query(({ ctx }) => listQueueNames(ctx.db)),

  get: permissionProcedure("jd:read")
    .input(ZJobDefIdRequestSchema)
    .query(({ ctx, input }) => getJobDef(ctx.db, input.id)),

  create: permissionProcedure("jd:create")
    .input(ZJobDefSchema)
    .mutation(({ ctx, input }) => createJobDef(ctx.db, { actor: ctx.actor, jobDef: input })),

  update: permissionProcedure("jd:update")
    .input(ZUpdateJobDefRequestSchema)
    .mutation(({ ctx, input }) => updateJobDef(ctx.db, { actor: ctx.actor, id: input.id, changes: input.changes })),

  delete: permissionProcedure("jd:delete")
    .input(ZJobDefIdRequestSchema)
    .mutation(({ ctx, input }) => deleteJobDef(ctx.db, { actor: ctx.actor, id: input.id })),

  createSchedule: permissionProcedure("jd:update")
    .input(ZCreateJobScheduleRequestSchema)
    .mutation(({ ctx, input }) => createJobSchedule(ctx.db, { actor: ctx.actor, jobDefId: input.jobDefId, schedule: input.schedule })),

  updateSchedule: permissionProcedure("jd:update")
    .input(ZUpdateJobScheduleRequestSchema)
    .mutation(({ ctx, input }) => updateJobSchedule(ctx.db, { actor: ctx.actor, id: input.id, changes: input.changes })),

  deleteSchedule: permissionProcedure("jd:update")
    .input(ZJobDefIdRequestSchema)
    .mutation(({ ctx, input }) => deleteJobSchedule(ctx.db, { actor: ctx.actor, id: input.id })),

  /** The next occurrences of a cron expression as the scheduler reads it, or why it is invalid. */
  previewCron: permissionProcedure("jd:read")
    .input(ZPreviewCronRequestSchema)
    .query(({ input }) => {
      const timeZone = cronTimeZone();
      const error = cronError(input.cronExpression);
      if (error) return { ok: false as const, error, timeZone };
      return { ok: true as const, occurrences: nextOccurrences(input.cronExpression, input.count), timeZone };
    }),

  exportXml: permissionProcedure("jd:read")
    .input(ZExportJobDefsRequestSchema)
    .query(({ ctx, input }) => exportJobDefsXml(ctx.db, input)),

  /** An import creates and updates definitions: it needs both permissions. */
  importXml: permissionProcedure("jd:create")
    .input(ZImportJobDefsRequestSchema)
    .mutation(({ ctx, input }) => {
      if (!hasPermission(ctx.principal.permissions, "jd:update")) throw new AppError("FORBIDDEN", "Permission jd:update is required");
      return importJobDefsXml(ctx.db, { actor: ctx.actor, xml: input.xml });
    }),
});
