import type { Prisma } from "~/generated/sqlite/client";
import type { Instruction } from "~/generated/sqlite/enums";
import type { DbOrTx } from "~/server/db";
import { ENDED_STATES, LIVE_STATES, type RunState } from "~/server/domain/run-states";
import { AppError } from "~/server/services/errors";
import { toStringMap } from "~/server/services/jobdefs/read-model";

/**
 * The runs read model: one filter, one query and one shape (RunRecord) over both tables, live runs
 * (JobInstance) and ended ones (History, where a run keeps its id). The console (console-mapping.ts)
 * and the JQM client API (jqm-mapping.ts) map RunRecord to their own shapes.
 */

/** A run found by id: still live, or ended, with the columns asked of that table. */
export type RunAnywhere<L, H> = { where: "live"; run: L } | { where: "history"; run: H };

/** Looks for run `id` in the live table, then in History; null when it is in neither. */
export async function findRunAnywhere<L extends Prisma.JobInstanceSelect, H extends Prisma.HistorySelect>(
  db: DbOrTx,
  id: number,
  select: { live: L; history: H },
): Promise<RunAnywhere<Prisma.JobInstanceGetPayload<{ select: L }>, Prisma.HistoryGetPayload<{ select: H }>> | null> {
  const live = await db.jobInstance.findUnique({ where: { id }, select: select.live });
  if (live) return { where: "live", run: live as Prisma.JobInstanceGetPayload<{ select: L }> };
  const ended = await db.history.findUnique({ where: { id }, select: select.history });
  return ended ? { where: "history", run: ended as Prisma.HistoryGetPayload<{ select: H }> } : null;
}

/** The live run `id`: NOT_FOUND when there is no such run, CONFLICT when it has already ended. */
export async function getLiveRun<L extends Prisma.JobInstanceSelect>(db: DbOrTx, id: number, select: L) {
  const found = await findRunAnywhere(db, id, { live: select, history: { state: true } });
  if (!found) throw new AppError("NOT_FOUND", `No run with id ${id}`);
  if (found.where === "history") throw new AppError("CONFLICT", `Run ${id} has already ended (${found.run.state})`);
  return found.run;
}

/** The name of the node that ran (or runs) run `id`: null when no node has taken it; undefined when there is no such run. */
export async function findRunNodeName(db: DbOrTx, id: number): Promise<string | null | undefined> {
  const found = await findRunAnywhere(db, id, { live: { node: { select: { name: true } } }, history: { nodeName: true } });
  if (!found) return undefined;
  return found.where === "live" ? (found.run.node?.name ?? null) : found.run.nodeName;
}

const SHARED_COLUMNS = {
  id: true,
  state: true,
  priority: true,
  parentId: true,
  progress: true,
  parameters: true,
  application: true,
  module: true,
  keyword1: true,
  keyword2: true,
  keyword3: true,
  userName: true,
  sessionId: true,
  email: true,
  enqueuedAt: true,
  attributedAt: true,
  startedAt: true,
} as const;

const LIVE_RUN_SELECT = {
  ...SHARED_COLUMNS,
  position: true,
  runAfter: true,
  scheduleId: true,
  instruction: true,
  instructedBy: true,
  jobDef: { select: { applicationName: true } },
  queue: { select: { name: true } },
  node: { select: { name: true } },
} as const satisfies Prisma.JobInstanceSelect;

const HISTORY_RUN_SELECT = {
  ...SHARED_COLUMNS,
  applicationName: true,
  queueName: true,
  nodeName: true,
  endedAt: true,
  returnCode: true,
  endReason: true,
} as const satisfies Prisma.HistorySelect;

export const RUN_SELECT = { live: LIVE_RUN_SELECT, history: HISTORY_RUN_SELECT };

type LiveRunRow = Prisma.JobInstanceGetPayload<{ select: typeof LIVE_RUN_SELECT }>;
type HistoryRunRow = Prisma.HistoryGetPayload<{ select: typeof HISTORY_RUN_SELECT }>;

/** A run as every caller reads it, whichever table holds it. */
export type RunRecord = {
  id: number;
  /** Still in the live table (waiting or running). */
  live: boolean;
  state: RunState;
  applicationName: string;
  queueName: string;
  nodeName: string | null;
  priority: number;
  /** Order inside its priority while waiting; null once ended. */
  position: number | null;
  parentId: number | null;
  progress: number | null;
  parameters: Record<string, string>;
  userName: string | null;
  sessionId: string | null;
  email: string | null;
  application: string | null;
  module: string | null;
  keyword1: string | null;
  keyword2: string | null;
  keyword3: string | null;
  enqueuedAt: Date;
  attributedAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
  runAfter: Date | null;
  instruction: Instruction | null;
  instructedBy: string | null;
  returnCode: number | null;
  endReason: string | null;
  fromSchedule: boolean;
};

export function toRunRecord(found: RunAnywhere<LiveRunRow, HistoryRunRow>): RunRecord {
  const r = found.run;
  const common = {
    id: r.id,
    state: r.state,
    priority: r.priority,
    parentId: r.parentId,
    progress: r.progress,
    parameters: toStringMap(r.parameters),
    application: r.application,
    module: r.module,
    keyword1: r.keyword1,
    keyword2: r.keyword2,
    keyword3: r.keyword3,
    userName: r.userName,
    sessionId: r.sessionId,
    email: r.email,
    enqueuedAt: r.enqueuedAt,
    attributedAt: r.attributedAt,
    startedAt: r.startedAt,
  };
  if (found.where === "live") {
    const l = found.run;
    return {
      ...common,
      live: true,
      applicationName: l.jobDef.applicationName,
      queueName: l.queue.name,
      nodeName: l.node?.name ?? null,
      position: l.position,
      endedAt: null,
      runAfter: l.runAfter,
      instruction: l.instruction,
      instructedBy: l.instructedBy,
      returnCode: null,
      endReason: null,
      fromSchedule: l.scheduleId != null,
    };
  }
  const h = found.run;
  return {
    ...common,
    live: false,
    applicationName: h.applicationName,
    queueName: h.queueName,
    nodeName: h.nodeName,
    position: null,
    endedAt: h.endedAt,
    runAfter: null,
    instruction: null,
    instructedBy: null,
    returnCode: h.returnCode,
    endReason: h.endReason,
    fromSchedule: false,
  };
}

/** Run `id` from either table; NOT_FOUND when there is none. */
export async function getRunRecord(db: DbOrTx, id: number): Promise<RunRecord> {
  const found = await findRunAnywhere(db, id, RUN_SELECT);
  if (!found) throw new AppError("NOT_FOUND", `No run with id ${id}`);
  return toRunRecord(found);
}

/** Whether run `id` exists in either table. */
export async function runExists(db: DbOrTx, id: number): Promise<boolean> {
  return (await findRunAnywhere(db, id, { live: { id: true }, history: { id: true } })) !== null;
}

/** Messages of run `id`, oldest first. */
export function findRunMessages(db: DbOrTx, id: number, { take }: { take: number }) {
  return db.message.findMany({ where: { jobInstanceId: id }, orderBy: { id: "asc" }, take, select: { id: true, text: true, createdAt: true } });
}

/** Files (deliverables) run `id` produced. */
export function findRunFiles(db: DbOrTx, id: number) {
  return db.deliverable.findMany({
    where: { jobInstanceId: id },
    orderBy: { id: "asc" },
    select: { id: true, fileFamily: true, originalName: true, size: true, sha256: true, downloadId: true, nodeName: true },
  });
}

export type DateRange = { after?: Date | null; before?: Date | null };

/**
 * What lists of runs filter on. Text filters are exact, or patterns when they contain `%` (see
 * wildcardFilter); an empty text or list filters nothing.
 */
export type RunFilter = {
  id?: number | null;
  parentId?: number | null;
  /** Any of these names. */
  applicationNames?: string[];
  queueName?: string | null;
  nodeName?: string | null;
  userName?: string | null;
  sessionId?: string | null;
  /** Any of the three keywords. */
  keyword?: string | null;
  keyword1?: string | null;
  keyword2?: string | null;
  keyword3?: string | null;
  module?: string | null;
  states?: RunState[];
  enqueued?: DateRange;
  started?: DateRange;
  ended?: DateRange;
};

/** `abc` exact, `abc%` starts with, `%abc` ends with, `%abc%` contains; other `%` patterns are approximated. */
function wildcardFilter(pattern: string): Prisma.StringFilter | string {
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

const text = (v: string | null | undefined) => (v ? wildcardFilter(v) : undefined);

function dateRange(range: DateRange | undefined): { gte?: Date; lte?: Date } | undefined {
  if (!range?.after && !range?.before) return undefined;
  return { ...(range.after ? { gte: range.after } : {}), ...(range.before ? { lte: range.before } : {}) };
}

/** The states of `filter` a table can hold: undefined = any; empty = none, the table is skipped. */
export function statesIn(tableStates: RunState[], filter: RunFilter): RunState[] | undefined {
  return filter.states ? tableStates.filter((s) => filter.states!.includes(s)) : undefined;
}

/** The keyset page of a list: ids after `afterId` in the list's order. */
export type RunPage = { ascending: boolean; afterId?: number | null; take: number };

function commonWhere(f: RunFilter, page: RunPage) {
  return {
    id: { ...(f.id != null ? { equals: f.id } : {}), ...(page.afterId != null ? { [page.ascending ? "gt" : "lt"]: page.afterId } : {}) },
    parentId: f.parentId ?? undefined,
    userName: text(f.userName),
    sessionId: text(f.sessionId),
    keyword1: text(f.keyword1),
    keyword2: text(f.keyword2),
    keyword3: text(f.keyword3),
    module: text(f.module),
    enqueuedAt: dateRange(f.enqueued),
    startedAt: dateRange(f.started),
  };
}

/** Conditions that each need an OR of their own: any of the keywords, any of the names. */
function anyOf<W>(f: RunFilter, byName: (pattern: string | Prisma.StringFilter) => W) {
  const keyword = text(f.keyword);
  const names = f.applicationNames?.filter(Boolean) ?? [];
  const and = [
    ...(keyword ? [{ OR: [{ keyword1: keyword }, { keyword2: keyword }, { keyword3: keyword }] }] : []),
    ...(names.length ? [{ OR: names.map((n) => byName(wildcardFilter(n))) }] : []),
  ];
  return and.length ? { AND: and } : {};
}

/**
 * Runs matching `filter` from the live table and/or History, in id order: at most `take` of each
 * table, merged. Never counts rows.
 */
export async function findRunRecords(db: DbOrTx, filter: RunFilter, page: RunPage & { live: boolean; history: boolean }): Promise<RunRecord[]> {
  const orderBy = { id: page.ascending ? ("asc" as const) : ("desc" as const) };
  const records: RunRecord[] = [];
  const liveStates = statesIn(LIVE_STATES, filter);
  if (page.live && liveStates?.length !== 0 && !filter.ended?.after && !filter.ended?.before) {
    const where: Prisma.JobInstanceWhereInput = {
      ...commonWhere(filter, page),
      state: liveStates ? { in: liveStates } : undefined,
      queue: filter.queueName ? { name: wildcardFilter(filter.queueName) } : undefined,
      node: filter.nodeName ? { name: wildcardFilter(filter.nodeName) } : undefined,
      ...anyOf(filter, (applicationName): Prisma.JobInstanceWhereInput => ({ jobDef: { applicationName } })),
    };
    const live = await db.jobInstance.findMany({ where, orderBy, take: page.take, select: LIVE_RUN_SELECT });
    records.push(...live.map((run) => toRunRecord({ where: "live", run })));
  }
  const endedStates = statesIn(ENDED_STATES, filter);
  if (page.history && endedStates?.length !== 0) {
    const where: Prisma.HistoryWhereInput = {
      ...commonWhere(filter, page),
      endedAt: dateRange(filter.ended),
      state: endedStates ? { in: endedStates } : undefined,
      queueName: text(filter.queueName),
      nodeName: text(filter.nodeName),
      ...anyOf(filter, (applicationName): Prisma.HistoryWhereInput => ({ applicationName })),
    };
    const ended = await db.history.findMany({ where, orderBy, take: page.take, select: HISTORY_RUN_SELECT });
    records.push(...ended.map((run) => toRunRecord({ where: "history", run })));
  }
  return records.sort((a, b) => (page.ascending ? a.id - b.id : b.id - a.id));
}
