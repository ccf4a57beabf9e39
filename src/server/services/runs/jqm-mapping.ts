import { z } from "zod";
import type { DbOrTx } from "~/server/db";
import { RUN_STATES } from "~/server/domain/run-states";
import { AppError } from "~/server/services/errors";
import { type RunRecord, findRunFiles, findRunMessages, findRunRecords, getRunRecord, runExists } from "./read-model";

/** The JQM client API's runs (JQM's Query and JobInstance JSON), mapped from the runs read model (read-model.ts). */

export const MAX_PAGE_SIZE = 500;
export const MAX_FIRST_ROW = 10_000;

/** Epoch milliseconds or an ISO-8601 date/time string. */
export const ZDateInputSchema = z
  .union([z.number().int().min(0).max(253_402_214_400_000), z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), "not a date")])
  .transform((v) => new Date(v));

const text = z.string().max(200);
const runId = z.number().int().positive().max(2_147_483_647);

/** Query filters JQM has that Jobwarden does not implement: refused rather than silently ignored. */
const UNSUPPORTED_FILTERS = [
  "jobDefKeyword1",
  "jobDefKeyword2",
  "jobDefKeyword3",
  "jobDefModule",
  "jobDefApplication",
  "instanceApplication",
  "queueId",
  "traceId",
] as const;

/**
 * JQM's Query. String filters accept `%` wildcards. Unknown keys are ignored (JQM clients post the
 * whole Query object back, `instances` included); JQM filters Jobwarden does not support are refused (400).
 */
export const ZQueryRunsSchema = z
  .looseObject({
    jobInstanceId: runId.nullish(),
    parentId: runId.nullish(),
    applicationName: z.union([text, z.array(text).max(50)]).nullish(),
    user: text.nullish(),
    sessionId: text.nullish(),
    queueName: text.nullish(),
    nodeName: text.nullish(),
    instanceKeyword1: text.nullish(),
    instanceKeyword2: text.nullish(),
    instanceKeyword3: text.nullish(),
    instanceModule: text.nullish(),
    status: z.union([z.enum(RUN_STATES), z.array(z.enum(RUN_STATES)).max(8)]).nullish(),
    enqueuedBefore: ZDateInputSchema.nullish(),
    enqueuedAfter: ZDateInputSchema.nullish(),
    beganRunningBefore: ZDateInputSchema.nullish(),
    beganRunningAfter: ZDateInputSchema.nullish(),
    endedBefore: ZDateInputSchema.nullish(),
    endedAfter: ZDateInputSchema.nullish(),
    queryLiveInstances: z.boolean().nullish(),
    queryHistoryInstances: z.boolean().nullish(),
    pageSize: z.number().int().min(1).max(MAX_PAGE_SIZE).nullish(),
    afterId: z.number().int().min(0).max(2_147_483_647).nullish(),
    firstRow: z.number().int().min(0).max(MAX_FIRST_ROW).nullish(),
    sorts: z
      .array(z.looseObject({ col: z.literal("ID", { error: "only ID sorting is supported" }), order: z.enum(["ASCENDING", "DESCENDING"]).nullish() }))
      .max(1)
      .nullish(),
  })
  .superRefine((q, ctx) => {
    for (const key of UNSUPPORTED_FILTERS) {
      const value = (q as Record<string, unknown>)[key];
      if (value != null && value !== "") ctx.addIssue({ code: "custom", path: [key], message: `the ${key} filter is not supported` });
    }
    if (q.afterId != null && q.firstRow) ctx.addIssue({ code: "custom", path: ["firstRow"], message: "use either afterId or firstRow, not both" });
  });
export type TQueryRuns = z.input<typeof ZQueryRunsSchema>;

const dateTime = z.string().meta({ format: "date-time" });
const nullableText = z.string().nullable();

/** JQM's JobInstance JSON, as the client API sends and documents it. */
export const ZRunDtoSchema = z
  .object({
    id: z.number().int(),
    applicationName: z.string(),
    parent: z.number().int().nullable(),
    user: nullableText,
    sessionID: nullableText,
    state: z.enum(RUN_STATES),
    position: z.number().nullable(),
    priority: z.number().int(),
    queueName: z.string(),
    keyword1: nullableText,
    keyword2: nullableText,
    keyword3: nullableText,
    module: nullableText,
    email: nullableText,
    application: nullableText,
    parameters: z.record(z.string(), z.string()),
    progress: z.number().int().nullable(),
    enqueueDate: dateTime,
    beganRunningDate: dateTime.nullable(),
    endDate: dateTime.nullable(),
    runAfter: dateTime.nullable(),
    nodeName: nullableText,
    fromSchedule: z.boolean(),
    messages: z.array(z.string()).optional(),
  })
  .meta({ description: "JQM's JobInstance. `parameters` is a plain { key: value } object (not JQM's list of {key, value})." });
export type RunDto = z.infer<typeof ZRunDtoSchema>;

/** A page of JQM's Query: pass `nextAfterId` back as `afterId` for the next one. */
export const ZRunPageSchema = z.object({ instances: z.array(ZRunDtoSchema), nextAfterId: z.number().int().optional() });

/** A file a run produced (JQM's Deliverable). */
export const ZDeliverableDtoSchema = z.object({
  id: z.number().int(),
  fileFamily: nullableText,
  originalName: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  downloadId: z.string(),
  nodeName: z.string(),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** JQM's JobInstance JSON (field names as in JQM; `parameters` is a plain `{ key: value }` object). */
function toRunDto(r: RunRecord): RunDto {
  return {
    id: r.id,
    applicationName: r.applicationName,
    parent: r.parentId,
    user: r.userName,
    sessionID: r.sessionId,
    state: r.state,
    position: r.position,
    priority: r.priority,
    queueName: r.queueName,
    keyword1: r.keyword1,
    keyword2: r.keyword2,
    keyword3: r.keyword3,
    module: r.module,
    email: r.email,
    application: r.application,
    parameters: r.parameters,
    progress: r.progress,
    enqueueDate: r.enqueuedAt.toISOString(),
    beganRunningDate: iso(r.startedAt),
    endDate: iso(r.endedAt),
    runAfter: iso(r.runAfter),
    nodeName: r.nodeName,
    fromSchedule: r.fromSchedule,
  };
}

const asList = <T>(v: T | T[] | null | undefined): T[] | undefined => (v == null ? undefined : Array.isArray(v) ? v : [v]);

/**
 * JQM's Query over History (default) and/or live runs, newest first, keyset-paginated by id:
 * pass the returned `nextAfterId` as `afterId` for the next page. `firstRow` (JQM's offset) is
 * accepted up to 10,000. Nothing counts the matching rows.
 */
export async function queryRuns(db: DbOrTx, query: TQueryRuns): Promise<z.infer<typeof ZRunPageSchema>> {
  const q = ZQueryRunsSchema.parse(query);
  const pageSize = q.pageSize ?? 50;
  const ascending = q.sorts?.[0]?.order === "ASCENDING";
  const skip = q.firstRow ?? 0;
  const records = await findRunRecords(
    db,
    {
      id: q.jobInstanceId,
      parentId: q.parentId,
      applicationNames: asList(q.applicationName),
      queueName: q.queueName,
      nodeName: q.nodeName,
      userName: q.user,
      sessionId: q.sessionId,
      keyword1: q.instanceKeyword1,
      keyword2: q.instanceKeyword2,
      keyword3: q.instanceKeyword3,
      module: q.instanceModule,
      states: asList(q.status),
      enqueued: { after: q.enqueuedAfter, before: q.enqueuedBefore },
      started: { after: q.beganRunningAfter, before: q.beganRunningBefore },
      ended: { after: q.endedAfter, before: q.endedBefore },
    },
    { live: q.queryLiveInstances ?? false, history: q.queryHistoryInstances ?? true, ascending, afterId: q.afterId, take: skip + pageSize + 1 },
  );
  const page = records.slice(skip, skip + pageSize).map(toRunDto);
  const more = records.length > skip + pageSize;
  return more ? { instances: page, nextAfterId: page[page.length - 1]!.id } : { instances: page };
}

/** A live or ended run, with its messages (JQM's getJob). */
export async function getRun(db: DbOrTx, id: number): Promise<RunDto> {
  const dto = toRunDto(await getRunRecord(db, id));
  return { ...dto, messages: await messagesOf(db, id) };
}

async function messagesOf(db: DbOrTx, id: number) {
  return (await findRunMessages(db, id, { take: 10_000 })).map((m) => m.text);
}

async function assertRunExists(db: DbOrTx, id: number) {
  if (!(await runExists(db, id))) throw new AppError("NOT_FOUND", `No run with id ${id}`);
}

export async function getRunMessages(db: DbOrTx, id: number): Promise<string[]> {
  await assertRunExists(db, id);
  return messagesOf(db, id);
}

export async function findRunDeliverables(db: DbOrTx, id: number): Promise<z.infer<typeof ZDeliverableDtoSchema>[]> {
  await assertRunExists(db, id);
  return findRunFiles(db, id);
}

/** Live runs (waiting and running), oldest first, optionally of one user (JQM's getActiveJobs / getUserActiveJobs). */
export function findActiveRuns(db: DbOrTx, { user, afterId, pageSize }: { user?: string; afterId?: number; pageSize?: number }) {
  return queryRuns(db, {
    queryLiveInstances: true,
    queryHistoryInstances: false,
    user,
    afterId,
    pageSize: pageSize ?? MAX_PAGE_SIZE,
    sorts: [{ col: "ID", order: "ASCENDING" }],
  });
}
