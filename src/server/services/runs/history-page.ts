import { Prisma } from "~/generated/sqlite/client";
import type { JobState } from "~/generated/sqlite/enums";
import { type Db, isPostgres } from "~/server/db";

/** The History columns a list row shows (not parameters, end reason…: those are on the run's page). */
export const HISTORY_ROW_COLUMNS = [
  "id",
  "applicationName",
  "queueName",
  "nodeName",
  "state",
  "userName",
  "sessionId",
  "parentId",
  "progress",
  "enqueuedAt",
  "startedAt",
  "endedAt",
] as const;

export type HistoryRow = {
  id: number;
  applicationName: string;
  queueName: string;
  nodeName: string | null;
  state: JobState;
  userName: string | null;
  sessionId: string | null;
  parentId: number | null;
  progress: number | null;
  enqueuedAt: Date;
  startedAt: Date | null;
  endedAt: Date;
};

export type HistoryPageQuery = {
  id?: number;
  parentId?: number;
  /** Text filters: exact, or a LIKE pattern when they contain `%` (`_` and `\` match themselves). */
  applicationName?: string;
  queueName?: string;
  nodeName?: string;
  userName?: string;
  sessionId?: string;
  keyword?: string;
  states?: JobState[];
  enqueuedAfter?: Date;
  enqueuedBefore?: Date;
  endedAfter?: Date;
  endedBefore?: Date;
  byEnd: boolean;
  desc: boolean;
  /** The last row of the previous page. */
  after?: { id: number; endedAt?: Date };
  take: number;
};

const col = (name: string) => Prisma.raw(`"${name}"`);

function text(column: string, pattern: string): Prisma.Sql {
  if (!pattern.includes("%")) return Prisma.sql`${col(column)} = ${pattern}`;
  return Prisma.sql`${col(column)} LIKE ${pattern.replace(/[\\_]/g, "\\$&")} ESCAPE '\\'`;
}

/**
 * One page of History for the runs list, as one hand-written statement: the list is the console's
 * hottest query, and Prisma's query building costs more than the indexed SQL itself (docs/benchmarks.md).
 * Every value is a bound parameter.
 */
export async function findHistoryPage(db: Db, q: HistoryPageQuery): Promise<HistoryRow[]> {
  const pg = isPostgres(db);
  const where: Prisma.Sql[] = [];
  const lt = Prisma.raw(q.desc ? "<" : ">");
  if (q.id !== undefined) where.push(Prisma.sql`"id" = ${q.id}`);
  if (q.parentId !== undefined) where.push(Prisma.sql`"parentId" = ${q.parentId}`);
  for (const [column, value] of [
    ["applicationName", q.applicationName],
    ["queueName", q.queueName],
    ["nodeName", q.nodeName],
    ["userName", q.userName],
    ["sessionId", q.sessionId],
  ] as const) {
    if (value) where.push(text(column, value));
  }
  if (q.keyword) where.push(Prisma.sql`(${Prisma.join(["keyword1", "keyword2", "keyword3"].map((k) => text(k, q.keyword!)), " OR ")})`);
  if (q.states) {
    const states = q.states.map((s) => (pg ? Prisma.sql`CAST(${s} AS "JobState")` : Prisma.sql`${s}`));
    where.push(Prisma.sql`"state" IN (${Prisma.join(states)})`);
  }
  if (q.enqueuedAfter) where.push(Prisma.sql`"enqueuedAt" >= ${q.enqueuedAfter}`);
  if (q.enqueuedBefore) where.push(Prisma.sql`"enqueuedAt" <= ${q.enqueuedBefore}`);
  if (q.endedAfter) where.push(Prisma.sql`"endedAt" >= ${q.endedAfter}`);
  if (q.endedBefore) where.push(Prisma.sql`"endedAt" <= ${q.endedBefore}`);
  if (q.after && q.byEnd && q.after.endedAt) {
    const t = q.after.endedAt;
    where.push(Prisma.sql`("endedAt" ${lt} ${t} OR ("endedAt" = ${t} AND "id" ${lt} ${q.after.id}))`);
  } else if (q.after) {
    where.push(Prisma.sql`"id" ${lt} ${q.after.id}`);
  }
  const direction = Prisma.raw(q.desc ? "DESC" : "ASC");
  const order = q.byEnd ? Prisma.sql`"endedAt" ${direction}, "id" ${direction}` : Prisma.sql`"id" ${direction}`;
  const columns = Prisma.raw(HISTORY_ROW_COLUMNS.map((c) => (c === "state" && pg ? `"state"::text AS "state"` : `"${c}"`)).join(", "));
  const conditions = where.length ? Prisma.join(where, " AND ") : Prisma.sql`1 = 1`;
  return db.$queryRaw<HistoryRow[]>(Prisma.sql`SELECT ${columns} FROM "History" WHERE ${conditions} ORDER BY ${order} LIMIT ${q.take}`);
}
