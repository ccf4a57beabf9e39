import { z } from "zod";
import type { Prisma } from "~/generated/sqlite/client";
import type { DbOrTx } from "~/server/db";
import { ENDED_STATES, LIVE_STATES, RUN_STATES, type RunState } from "~/server/domain/run-states";
import { AppError } from "~/server/services/errors";


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

export type RunDto = {
  id: number;
  applicationName: string;
  parent: number | null;
  user: string | null;
  sessionID: string | null;
  state: RunState;
  position: number | null;
  priority: number;
  queueName: string;
  keyword1: string | null;
  keyword2: string | null;
  keyword3: string | null;
  module: string | null;
  email: string | null;
  application: string | null;
  parameters: Record<string, string>;
  progress: number | null;
  enqueueDate: string;
  beganRunningDate: string | null;
  endDate: string | null;
  runAfter: string | null;
  nodeName: string | null;
  fromSchedule: boolean;
  messages?: string[];
};

const liveInclude = {
  jobDef: { select: { applicationName: true } },
  queue: { select: { name: true } },
  node: { select: { name: true } },
} as const satisfies Prisma.JobInstanceInclude;

type LiveRow = Prisma.JobInstanceGetPayload<{ include: typeof liveInclude }>;
type HistoryRow = Prisma.HistoryGetPayload<object>;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function stringParameters(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** JQM's JobInstance JSON (field names as in JQM; `parameters` is a plain `{ key: value }` object). */
export function toRunDto(row: { kind: "live"; run: LiveRow } | { kind: "history"; run: HistoryRow }): RunDto {
  const r = row.run;
  const common = {
    id: r.id,
    parent: r.parentId,
    user: r.userName,
    sessionID: r.sessionId,
    state: r.state,
    priority: r.priority,
    keyword1: r.keyword1,
    keyword2: r.keyword2,
    keyword3: r.keyword3,
    module: r.module,
    email: r.email,
    application: r.application,
    parameters: stringParameters(r.parameters),
    progress: r.progress,
    enqueueDate: r.enqueuedAt.toISOString(),
    beganRunningDate: iso(r.startedAt),
  };
  if (row.kind === "live") {
    const l = row.run;
    return {
      ...common,
      applicationName: l.jobDef.applicationName,
      position: l.position,
      queueName: l.queue.name,
      endDate: null,
      runAfter: iso(l.runAfter),
      nodeName: l.node?.name ?? null,
      fromSchedule: l.scheduleId != null,
    };
  }
  const h = row.run;
  return {
    ...common,
    applicationName: h.applicationName,
    position: null,
    queueName: h.queueName,
    endDate: h.endedAt.toISOString(),
    runAfter: null,
    nodeName: h.nodeName,
    fromSchedule: false,
  };
}

/** `abc` exact, `abc%` starts with, `%abc` ends with, `%abc%` contains; other `%` patterns are approximated. */
export function wildcardFilter(pattern: string): Prisma.StringFilter | string {
  if (!pattern.includes("%")) return pattern;
  const parts = pattern.split("%");
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  const middle = parts.slice(1, -1).filter(Boolean);
  const filter: Prisma.StringFilter = {};
  if (first) filter.startsWith = first;
  if (last) filter.endsWith = last;
  if (middle.length === 1) filter.contains = middle[0];
  if (middle.length > 1) filter.contains = middle.reduce((a, b) => (b.length > a.length ? b : a));
  return filter;
}

const optionalText = (v: string | null | undefined) => (v == null || v === "" ? undefined : wildcardFilter(v));

function dateRange(after: Date | null | undefined, before: Date | null | undefined): { gte?: Date; lte?: Date } | undefined {
  if (!after && !before) return undefined;
  return { ...(after ? { gte: after } : {}), ...(before ? { lte: before } : {}) };
}

function asList<T>(v: T | T[] | null | undefined): T[] | undefined {
  if (v == null) return undefined;
  return Array.isArray(v) ? v : [v];
}

/**
 * JQM's Query over History (default) and/or live runs, newest first, keyset-paginated by id:
 * pass the returned `nextAfterId` as `afterId` for the next page. `firstRow` (JQM's offset) is
 * accepted up to 10,000. Nothing counts the matching rows.
 */
export async function queryRuns(db: DbOrTx, query: TQueryRuns): Promise<{ instances: RunDto[]; nextAfterId?: number }> {
  const q = ZQueryRunsSchema.parse(query);
  const pageSize = q.pageSize ?? 50;
  const ascending = q.sorts?.[0]?.order === "ASCENDING";
  const skip = q.firstRow ?? 0;
  const take = skip + pageSize + 1;
  const names = asList(q.applicationName)?.filter(Boolean);
  const statuses = asList(q.status);
  const idFilter = {
    ...(q.jobInstanceId != null ? { equals: q.jobInstanceId } : {}),
    ...(q.afterId != null ? (ascending ? { gt: q.afterId } : { lt: q.afterId }) : {}),
  };
  const order = ascending ? ("asc" as const) : ("desc" as const);
  const common = {
    id: idFilter,
    parentId: q.parentId ?? undefined,
    userName: optionalText(q.user),
    sessionId: optionalText(q.sessionId),
    keyword1: optionalText(q.instanceKeyword1),
    keyword2: optionalText(q.instanceKeyword2),
    keyword3: optionalText(q.instanceKeyword3),
    module: optionalText(q.instanceModule),
    enqueuedAt: dateRange(q.enqueuedAfter, q.enqueuedBefore),
    startedAt: dateRange(q.beganRunningAfter, q.beganRunningBefore),
  };

  const rows: RunDto[] = [];
  const liveStates = statuses ? LIVE_STATES.filter((s) => statuses.includes(s)) : LIVE_STATES;
  const endedFilter = q.endedAfter || q.endedBefore;
  if ((q.queryLiveInstances ?? false) && liveStates.length > 0 && !endedFilter) {
    const where: Prisma.JobInstanceWhereInput = {
      ...common,
      state: statuses ? { in: liveStates } : undefined,
      queue: q.queueName ? { name: wildcardFilter(q.queueName) } : undefined,
      node: q.nodeName ? { name: wildcardFilter(q.nodeName) } : undefined,
      ...(names?.length ? { OR: names.map((n) => ({ jobDef: { applicationName: wildcardFilter(n) } })) } : {}),
    };
    const live = await db.jobInstance.findMany({ where, include: liveInclude, orderBy: { id: order }, take });
    rows.push(...live.map((run) => toRunDto({ kind: "live", run })));
  }
  const endedStates = statuses ? ENDED_STATES.filter((s) => statuses.includes(s)) : ENDED_STATES;
  if ((q.queryHistoryInstances ?? true) && endedStates.length > 0) {
    const where: Prisma.HistoryWhereInput = {
      ...common,
      endedAt: dateRange(q.endedAfter, q.endedBefore),
      state: statuses ? { in: endedStates } : undefined,
      queueName: optionalText(q.queueName),
      nodeName: optionalText(q.nodeName),
      ...(names?.length ? { OR: names.map((n) => ({ applicationName: wildcardFilter(n) })) } : {}),
    };
    const ended = await db.history.findMany({ where, orderBy: { id: order }, take });
    rows.push(...ended.map((run) => toRunDto({ kind: "history", run })));
  }
  rows.sort((a, b) => (ascending ? a.id - b.id : b.id - a.id));
  const page = rows.slice(skip, skip + pageSize);
  const more = rows.length > skip + pageSize;
  return more ? { instances: page, nextAfterId: page[page.length - 1]!.id } : { instances: page };
}

/** A live or ended run, with its messages (JQM's getJob). */
export async function getRun(db: DbOrTx, id: number): Promise<RunDto> {
  const live = await db.jobInstance.findUnique({ where: { id }, include: liveInclude });
  const dto = live ? toRunDto({ kind: "live", run: live }) : await db.history.findUnique({ where: { id } }).then((h) => h && toRunDto({ kind: "history", run: h }));
  if (!dto) throw new AppError("NOT_FOUND", `No run with id ${id}`);
  return { ...dto, messages: await messagesOf(db, id) };
}

async function messagesOf(db: DbOrTx, id: number) {
  const messages = await db.message.findMany({ where: { jobInstanceId: id }, orderBy: { id: "asc" }, select: { text: true }, take: 10_000 });
  return messages.map((m) => m.text);
}

async function assertRunExists(db: DbOrTx, id: number) {
  const exists = (await db.jobInstance.count({ where: { id } })) + (await db.history.count({ where: { id } }));
  if (!exists) throw new AppError("NOT_FOUND", `No run with id ${id}`);
}

export async function getRunMessages(db: DbOrTx, id: number): Promise<string[]> {
  await assertRunExists(db, id);
  return messagesOf(db, id);
}

export async function findRunDeliverables(db: DbOrTx, id: number) {
  await assertRunExists(db, id);
  return db.deliverable.findMany({
    where: { jobInstanceId: id },
    orderBy: { id: "asc" },
    select: { id: true, fileFamily: true, originalName: true, size: true, sha256: true, downloadId: true, nodeName: true },
  });
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
