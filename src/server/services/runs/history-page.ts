import { Prisma } from "~/generated/sqlite/client";
import type { JobState } from "~/generated/sqlite/enums";
import { type Db, dialectOf } from "~/server/db";
import type { RunFilter } from "./read-model";

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

/** How the runs list pages History: by id, or by end time then id; after the last row of the previous page. */
export type HistoryPageOrder = {
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
 * Takes the read model's RunFilter; text filters are exact, or LIKE patterns when they contain `%`
 * (`_` and `\` match themselves). Every value is a bound parameter.
 */
export async function findHistoryPage(db: Db, f: RunFilter, q: HistoryPageOrder): Promise<HistoryRow[]> {
  const dialect = dialectOf(db);
  const where: Prisma.Sql[] = [];
  const lt = Prisma.raw(q.desc ? "<" : ">");
  if (f.id != null) where.push(Prisma.sql`"id" = ${f.id}`);
  if (f.parentId != null) where.push(Prisma.sql`"parentId" = ${f.parentId}`);
  for (const [column, value] of [
    ["queueName", f.queueName],
    ["nodeName", f.nodeName],
    ["userName", f.userName],
    ["sessionId", f.sessionId],
    ["keyword1", f.keyword1],
    ["keyword2", f.keyword2],
    ["keyword3", f.keyword3],
    ["module", f.module],
  ] as const) {
    if (value) where.push(text(column, value));
  }
  const names = f.applicationNames?.filter(Boolean) ?? [];
  if (names.length === 1) where.push(text("applicationName", names[0]!));
  if (names.length > 1) where.push(Prisma.sql`(${Prisma.join(names.map((n) => text("applicationName", n)), " OR ")})`);
  if (f.keyword) where.push(Prisma.sql`(${Prisma.join(["keyword1", "keyword2", "keyword3"].map((k) => text(k, f.keyword!)), " OR ")})`);
  if (f.states) {
    const states = f.states.map((s) => dialect.enumValue(s, "JobState"));
    where.push(Prisma.sql`"state" IN (${Prisma.join(states)})`);
  }
  for (const [column, range] of [
    ["enqueuedAt", f.enqueued],
    ["startedAt", f.started],
    ["endedAt", f.ended],
  ] as const) {
    if (range?.after) where.push(Prisma.sql`${col(column)} >= ${range.after}`);
    if (range?.before) where.push(Prisma.sql`${col(column)} <= ${range.before}`);
  }
  if (q.after && q.byEnd && q.after.endedAt) {
    const t = q.after.endedAt;
    where.push(Prisma.sql`("endedAt" ${lt} ${t} OR ("endedAt" = ${t} AND "id" ${lt} ${q.after.id}))`);
  } else if (q.after) {
    where.push(Prisma.sql`"id" ${lt} ${q.after.id}`);
  }
  const direction = Prisma.raw(q.desc ? "DESC" : "ASC");
  const order = q.byEnd ? Prisma.sql`"endedAt" ${direction}, "id" ${direction}` : Prisma.sql`"id" ${direction}`;
  const columns = Prisma.raw(HISTORY_ROW_COLUMNS.map((c) => (c === "state" ? dialect.enumText(c) : `"${c}"`)).join(", "));
  const conditions = where.length ? Prisma.join(where, " AND ") : Prisma.sql`1 = 1`;
  return db.$queryRaw<HistoryRow[]>(Prisma.sql`SELECT ${columns} FROM "History" WHERE ${conditions} ORDER BY ${order} LIMIT ${q.take}`);
}
