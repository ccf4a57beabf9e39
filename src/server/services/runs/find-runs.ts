import { z } from "zod";
import { JobState } from "~/generated/sqlite/enums";
import type { Prisma } from "~/generated/sqlite/client";
import type { Db, DbOrTx } from "~/server/db";
import { AppError, parseInput } from "~/server/services/errors";
import { findHistoryPage } from "./history-page";
import { ENDED_STATES, LIVE_STATES } from "~/server/domain/run-states";
import { wildcardFilter } from "./query-runs";

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

const filterText = (v: string | undefined) => (v ? wildcardFilter(v) : undefined);

function range(after: Date | undefined, before: Date | undefined) {
  if (!after && !before) return undefined;
  return { ...(after ? { gte: after } : {}), ...(before ? { lte: before } : {}) };
}

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
  const take = f.limit + 1;
  let rows: RunRow[];
  if (f.tab === "active") {
    const states = f.state ? LIVE_STATES.filter((s) => f.state!.includes(s)) : undefined;
    if (states?.length === 0 || f.endedAfter || f.endedBefore) return { items: [], nextCursor: null };
    const keyword = filterText(f.keyword);
    const where: Prisma.JobInstanceWhereInput = {
      id: { ...(f.id != null ? { equals: f.id } : {}), ...(cursor ? { [desc ? "lt" : "gt"]: cursor.id } : {}) },
      parentId: f.parentId,
      userName: filterText(f.user),
      sessionId: filterText(f.sessionId),
      enqueuedAt: range(f.enqueuedAfter, f.enqueuedBefore),
      ...(keyword ? { OR: [{ keyword1: keyword }, { keyword2: keyword }, { keyword3: keyword }] } : {}),
      state: states ? { in: states } : undefined,
      jobDef: f.applicationName ? { applicationName: wildcardFilter(f.applicationName) } : undefined,
      queue: f.queueName ? { name: wildcardFilter(f.queueName) } : undefined,
      node: f.nodeName ? { name: wildcardFilter(f.nodeName) } : undefined,
    };
    const live = await db.jobInstance.findMany({
      where,
      orderBy: { id: desc ? "desc" : "asc" },
      take,
      include: { jobDef: { select: { applicationName: true } }, queue: { select: { name: true } }, node: { select: { name: true } } },
    });
    rows = live.map((r) => ({
      id: r.id,
      applicationName: r.jobDef.applicationName,
      queueName: r.queue.name,
      nodeName: r.node?.name ?? null,
      state: r.state,
      user: r.userName,
      sessionId: r.sessionId,
      parentId: r.parentId,
      progress: r.progress,
      enqueuedAt: r.enqueuedAt,
      startedAt: r.startedAt,
      endedAt: null,
    }));
  } else {
    const states = f.state ? ENDED_STATES.filter((s) => f.state!.includes(s)) : undefined;
    if (states?.length === 0) return { items: [], nextCursor: null };
    const ended = await findHistoryPage(db, {
      id: f.id,
      parentId: f.parentId,
      applicationName: f.applicationName || undefined,
      queueName: f.queueName || undefined,
      nodeName: f.nodeName || undefined,
      userName: f.user || undefined,
      sessionId: f.sessionId || undefined,
      keyword: f.keyword || undefined,
      states,
      enqueuedAfter: f.enqueuedAfter,
      enqueuedBefore: f.enqueuedBefore,
      endedAfter: f.endedAfter,
      endedBefore: f.endedBefore,
      byEnd,
      desc,
      after: cursor ?? undefined,
      take,
    });
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
  const live = await db.jobInstance.findUnique({
    where: { id },
    include: {
      jobDef: { select: { applicationName: true, description: true } },
      queue: { select: { name: true } },
      node: { select: { name: true } },
    },
  });
  const ended = live ? null : await db.history.findUnique({ where: { id } });
  if (!live && !ended) throw new AppError("NOT_FOUND", `No run with id ${id}`);
  const r = (live ?? ended)!;
  const base = {
    id: r.id,
    live: live != null,
    state: r.state,
    priority: r.priority,
    parentId: r.parentId,
    progress: r.progress,
    parameters: stringParameters(r.parameters),
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
  };
  const detail = live
    ? {
        ...base,
        applicationName: live.jobDef.applicationName,
        queueName: live.queue.name,
        nodeName: live.node?.name ?? null,
        endedAt: null,
        runAfter: live.runAfter,
        instruction: live.instruction,
        instructedBy: live.instructedBy,
        returnCode: null,
        endReason: null,
      }
    : {
        ...base,
        applicationName: ended!.applicationName,
        queueName: ended!.queueName,
        nodeName: ended!.nodeName,
        endedAt: ended!.endedAt,
        runAfter: null,
        instruction: null,
        instructedBy: null,
        returnCode: ended!.returnCode,
        endReason: ended!.endReason,
      };

  const [messages, deliverables, parent, liveChildren, endedChildren] = await Promise.all([
    db.message.findMany({ where: { jobInstanceId: id }, orderBy: { id: "asc" }, take: 1000, select: { id: true, text: true, createdAt: true } }),
    db.deliverable.findMany({
      where: { jobInstanceId: id },
      orderBy: { id: "asc" },
      select: { id: true, fileFamily: true, originalName: true, size: true, downloadId: true, nodeName: true },
    }),
    r.parentId == null ? null : findRunSummary(db, r.parentId),
    db.jobInstance.findMany({
      where: { parentId: id },
      orderBy: { id: "asc" },
      take: CHILDREN_SHOWN + 1,
      select: { id: true, state: true, jobDef: { select: { applicationName: true } } },
    }),
    db.history.findMany({ where: { parentId: id }, orderBy: { id: "asc" }, take: CHILDREN_SHOWN + 1, select: { id: true, state: true, applicationName: true } }),
  ]);
  const children = [
    ...liveChildren.map((c) => ({ id: c.id, state: c.state, applicationName: c.jobDef.applicationName })),
    ...endedChildren,
  ].sort((a, b) => a.id - b.id);
  return {
    ...detail,
    messages,
    deliverables,
    parent,
    children: children.slice(0, CHILDREN_SHOWN),
    moreChildren: children.length > CHILDREN_SHOWN,
  };
}

async function findRunSummary(db: DbOrTx, id: number) {
  const live = await db.jobInstance.findUnique({ where: { id }, select: { id: true, state: true, jobDef: { select: { applicationName: true } } } });
  if (live) return { id: live.id, state: live.state, applicationName: live.jobDef.applicationName };
  return db.history.findUnique({ where: { id }, select: { id: true, state: true, applicationName: true } });
}

function stringParameters(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}
