import { z } from "zod";
import { JobState } from "~/generated/sqlite/enums";
import type { Db, DbOrTx } from "~/server/db";
import { ENDED_STATES } from "~/server/domain/run-states";
import { AppError, parseInput } from "~/server/services/errors";
import { findHistoryPage } from "./history-page";
import { RUN_SELECT, type RunFilter, type RunRecord, findRunAnywhere, findRunFiles, findRunMessages, findRunRecords, getRunRecord, statesIn, toRunRecord } from "./read-model";

/** The console's runs list and run page, mapped from the runs read model (read-model.ts). */

const text = z.string().trim().max(200).optional();
const runId = z.number().int().positive().max(2_147_483_647);

export const RUN_SORTS = ["newest", "oldest", "endedLatest", "endedEarliest"] as const;
export type RunSort = (typeof RUN_SORTS)[number];

/**
 * The console's runs list: one tab at a time, keyset-paginated. Sorted by id (enqueue order) newest or
 * oldest first, or, on History, by end time. The cursor is opaque: `<id>` or `<endedAt ms>:<id>`.
 */
export const ZFindRunsSchema = z.object({
  tab: z.enum(["active", "history"]),
  id: runId.optional(),
  applicationName: text,
  queueName: text,
  nodeName: text,
  state: z.array(z.enum(JobState)).max(8).optional(),
  user: text,
  sessionId: text,
  parentId: runId.optional(),
  /** Matches any of the three run keywords. */
  keyword: text,
  enqueuedAfter: z.date().optional(),
  enqueuedBefore: z.date().optional(),
  /** History only. */
  endedAfter: z.date().optional(),
  endedBefore: z.date().optional(),
  sort: z.enum(RUN_SORTS).default("newest"),
  /** nextCursor of the previous page. */
  cursor: z.string().regex(/^\d{1,15}(:\d{1,10})?$/, "cursor: use the nextCursor of the previous page").optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type TFindRuns = z.input<typeof ZFindRunsSchema>;

export type RunRow = {
  id: number;
  applicationName: string;
  queueName: string;
  nodeName: string | null;
  state: JobState;
  user: string | null;
  sessionId: string | null;
  parentId: number | null;
  progress: number | null;
  enqueuedAt: Date;
  startedAt: Date | null;
  endedAt: Date | null;
};

const listRow = (r: RunRecord): RunRow => ({
  id: r.id,
  applicationName: r.applicationName,
  queueName: r.queueName,
  nodeName: r.nodeName,
  state: r.state,
  user: r.userName,
  sessionId: r.sessionId,
  parentId: r.parentId,
  progress: r.progress,
  enqueuedAt: r.enqueuedAt,
  startedAt: r.startedAt,
  endedAt: r.endedAt,
});

/**
 * Runs of one tab (Active = JobInstance, History = History) matching the filters, `limit` at a time.
 * Text filters are exact unless they contain `%` wildcards. Never counts rows: History is huge.
 */
export async function findRuns(db: Db, input: TFindRuns): Promise<{ items: RunRow[]; nextCursor: string | null }> {
  const f = parseInput(ZFindRunsSchema, input);
  const byEnd = f.sort === "endedLatest" || f.sort === "endedEarliest";
  const desc = f.sort === "newest" || f.sort === "endedLatest";
  if (byEnd && f.tab === "active") throw new AppError("BAD_REQUEST", "Active runs have not ended: sort them by newest or oldest");
  const [cursorA, cursorB] = (f.cursor ?? "").split(":").map(Number);
  const cursor = f.cursor === undefined ? null : byEnd ? (cursorB === undefined ? null : { endedAt: new Date(cursorA!), id: cursorB }) : { id: cursorA! };
  if (f.cursor !== undefined && !cursor) throw new AppError("BAD_REQUEST", "cursor: use the nextCursor of the previous page");
  if (f.enqueuedAfter && f.enqueuedBefore && f.enqueuedAfter > f.enqueuedBefore) {
    throw new AppError("BAD_REQUEST", "enqueuedAfter is later than enqueuedBefore");
  }
  if (f.endedAfter && f.endedBefore && f.endedAfter > f.endedBefore) throw new AppError("BAD_REQUEST", "endedAfter is later than endedBefore");
  const filter: RunFilter = {
    id: f.id,
    parentId: f.parentId,
    applicationNames: f.applicationName ? [f.applicationName] : undefined,
    queueName: f.queueName,
    nodeName: f.nodeName,
    userName: f.user,
    sessionId: f.sessionId,
    keyword: f.keyword,
    states: f.state,
    enqueued: { after: f.enqueuedAfter, before: f.enqueuedBefore },
    ended: { after: f.endedAfter, before: f.endedBefore },
  };
  const take = f.limit + 1;
  let rows: RunRow[];
  if (f.tab === "active") {
    const live = await findRunRecords(db, filter, { live: true, history: false, ascending: !desc, afterId: cursor?.id, take });
    rows = live.map(listRow);
  } else {
    const states = statesIn(ENDED_STATES, filter);
    if (states?.length === 0) return { items: [], nextCursor: null };
    const ended = await findHistoryPage(db, { ...filter, states }, { byEnd, desc, after: cursor ?? undefined, take });
    rows = ended.map(({ userName, ...r }) => ({ ...r, user: userName }));
  }
  const items = rows.slice(0, f.limit);
  const last = items[items.length - 1];
  if (rows.length <= f.limit || !last) return { items, nextCursor: null };
  return { items, nextCursor: byEnd ? `${last.endedAt!.getTime()}:${last.id}` : String(last.id) };
}

const CHILDREN_SHOWN = 50;

/** Everything the run detail page shows, from JobInstance or History. */
export async function getRunDetail(db: DbOrTx, id: number) {
  const r = await getRunRecord(db, id);
  const [messages, files, parent, children] = await Promise.all([
    findRunMessages(db, id, { take: 1000 }),
    findRunFiles(db, id),
    r.parentId == null ? null : findRunAnywhere(db, r.parentId, RUN_SELECT).then((p) => p && summary(toRunRecord(p))),
    findRunRecords(db, { parentId: id }, { live: true, history: true, ascending: true, take: CHILDREN_SHOWN + 1 }),
  ]);
  return {
    id: r.id,
    live: r.live,
    state: r.state,
    priority: r.priority,
    parentId: r.parentId,
    progress: r.progress,
    parameters: r.parameters,
    tags: {
      user: r.userName,
      sessionId: r.sessionId,
      email: r.email,
      application: r.application,
      module: r.module,
      keyword1: r.keyword1,
      keyword2: r.keyword2,
      keyword3: r.keyword3,
    },
    enqueuedAt: r.enqueuedAt,
    attributedAt: r.attributedAt,
    startedAt: r.startedAt,
    applicationName: r.applicationName,
    queueName: r.queueName,
    nodeName: r.nodeName,
    endedAt: r.endedAt,
    runAfter: r.runAfter,
    instruction: r.instruction,
    instructedBy: r.instructedBy,
    returnCode: r.returnCode,
    endReason: r.endReason,
    messages,
    deliverables: files.map(({ sha256: _sha256, ...file }) => file),
    parent,
    children: children.slice(0, CHILDREN_SHOWN).map(summary),
    moreChildren: children.length > CHILDREN_SHOWN,
  };
}

const summary = (r: RunRecord) => ({ id: r.id, state: r.state, applicationName: r.applicationName });
