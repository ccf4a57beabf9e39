import { Prisma } from "~/generated/sqlite/client";
import type { PayloadType } from "~/generated/sqlite/enums";
import { type Db, dialectOf } from "~/server/db";
import type { Dialect } from "~/server/db/dialect";
import { sqlOf } from "~/server/db/sql";
import { toStringMap } from "~/server/services/jobdefs/read-model";

/** What a node needs to start a run it claimed, read with the claim itself. */
export type ClaimedRun = {
  id: number;
  parentId: number | null;
  parameters: Record<string, string>;
  module: string | null;
  keyword1: string | null;
  keyword2: string | null;
  keyword3: string | null;
  userName: string | null;
  sessionId: string | null;
  queueName: string;
  jobDef: {
    applicationName: string;
    payloadType: PayloadType;
    path: string;
    module: string | null;
    keyword1: string | null;
    keyword2: string | null;
    keyword3: string | null;
    priority: number;
    alertAfterSeconds: number | null;
  };
};

type ClaimRow = Omit<ClaimedRun, "jobDef" | "parameters"> & {
  parameters: unknown;
  applicationName: string;
  payloadType: PayloadType;
  path: string;
  jdModule: string | null;
  jdKeyword1: string | null;
  jdKeyword2: string | null;
  jdKeyword3: string | null;
  jdPriority: number;
  alertAfterSeconds: number | null;
};

/** The claimed run's columns and its job definition's and queue's, as ClaimRow names them. */
const launchColumns = (dialect: Dialect) =>
  Prisma.raw(
    `c."id", c."parentId", c."parameters", c."module", c."keyword1", c."keyword2", c."keyword3", c."userName", c."sessionId",
     q."name" AS "queueName", jd."applicationName", ${dialect.enumText("payloadType", "jd")}, jd."path",
     jd."module" AS "jdModule", jd."keyword1" AS "jdKeyword1", jd."keyword2" AS "jdKeyword2", jd."keyword3" AS "jdKeyword3",
     jd."priority" AS "jdPriority", jd."alertAfterSeconds"`,
  );

/**
 * Takes up to `max` SUBMITTED runs of a queue for a node with one UPDATE: priority first (higher
 * wins), then position (FIFO). A highlander job definition with a run already active is skipped.
 * A claim carries the node's incarnation as its fencing token, and is only made while that
 * incarnation is still the node's (a node declared dead claims nothing until it rejoins).
 * PostgreSQL skips rows other claims hold (FOR UPDATE SKIP LOCKED) and returns what the launch needs
 * in the same round trip; on SQLite writers take turns, and the claimed runs are read after the claim.
 */
export async function claimRuns(db: Db, { queueId, nodeId, token, max }: { queueId: number; nodeId: number; token: number; max: number }): Promise<ClaimedRun[]> {
  if (max <= 0) return [];
  const dialect = dialectOf(db);
  const sql = sqlOf(db);
  const candidates = Prisma.sql`
    SELECT ji."id" FROM "JobInstance" ji
    JOIN "JobDef" jd ON jd."id" = ji."jobDefId"
    WHERE ji."queueId" = ${queueId} AND ji."state" = 'SUBMITTED'
      AND EXISTS (SELECT 1 FROM "Node" n WHERE n."id" = ${nodeId} AND n."incarnation" = ${token})
      AND (NOT jd."highlander" OR NOT EXISTS (
        SELECT 1 FROM "JobInstance" r WHERE r."jobDefId" = jd."id" AND r."state" IN ('ATTRIBUTED', 'RUNNING')))
    ORDER BY ji."priority" DESC, ji."position" ASC
    LIMIT ${max}`;
  const claim = (returning: Prisma.Sql) => Prisma.sql`
    UPDATE "JobInstance" SET "state" = 'ATTRIBUTED', "nodeId" = ${nodeId}, "fencingToken" = ${token}, "attributedAt" = ${new Date()}
    WHERE "id" IN (${candidates}${Prisma.raw(dialect.skipLocked ? " FOR UPDATE OF ji SKIP LOCKED" : "")})
    RETURNING ${returning}`;
  const joined = (from: Prisma.Sql) => Prisma.sql`
    SELECT ${launchColumns(dialect)} FROM ${from} c
    JOIN "JobDef" jd ON jd."id" = c."jobDefId" JOIN "Queue" q ON q."id" = c."queueId"
    ORDER BY c."priority" DESC, c."position" ASC`;

  if (dialect.skipLocked) {
    return (await sql.query<ClaimRow>(Prisma.sql`WITH claimed AS (${claim(Prisma.raw("*"))}) ${joined(Prisma.raw("claimed"))}`)).map(toClaimedRun);
  }
  // A read first: an idle poll takes no write lock. The claim itself is one statement (SQLite takes
  // the write lock before it reads, waiting for it as long as the busy timeout allows); the claimed
  // runs are then read: they are this node's, no other node can take them meanwhile.
  const waiting = await sql.query(Prisma.sql`SELECT 1 FROM "JobInstance" WHERE "queueId" = ${queueId} AND "state" = 'SUBMITTED' LIMIT 1`);
  if (!waiting.length) return [];
  const ids = (await sql.query<{ id: number }>(claim(Prisma.raw(`"id"`)))).map((r) => Number(r.id));
  if (!ids.length) return [];
  const rows = await sql.query<ClaimRow>(joined(Prisma.sql`(SELECT * FROM "JobInstance" WHERE "id" IN (${Prisma.join(ids)}))`));
  return rows.map(toClaimedRun);
}

function toClaimedRun(r: ClaimRow): ClaimedRun {
  return {
    id: Number(r.id),
    parentId: r.parentId == null ? null : Number(r.parentId),
    // A raw query may return a SQLite Json column as its text.
    parameters: toStringMap(typeof r.parameters === "string" ? JSON.parse(r.parameters) : r.parameters),
    module: r.module,
    keyword1: r.keyword1,
    keyword2: r.keyword2,
    keyword3: r.keyword3,
    userName: r.userName,
    sessionId: r.sessionId,
    queueName: r.queueName,
    jobDef: {
      applicationName: r.applicationName,
      payloadType: r.payloadType,
      path: r.path,
      module: r.jdModule,
      keyword1: r.jdKeyword1,
      keyword2: r.jdKeyword2,
      keyword3: r.jdKeyword3,
      priority: Number(r.jdPriority),
      alertAfterSeconds: r.alertAfterSeconds == null ? null : Number(r.alertAfterSeconds),
    },
  };
}

/**
 * ATTRIBUTED → RUNNING for claimed runs, in one statement, only while the claim stands and no kill
 * was asked meanwhile. Returns the ids that started.
 */
export async function startRuns(db: Db, ids: number[], { nodeId, token }: { nodeId: number; token: number }): Promise<Set<number>> {
  if (!ids.length) return new Set();
  const rows = await sqlOf(db).query<{ id: number }>(Prisma.sql`
    UPDATE "JobInstance" SET "state" = 'RUNNING', "startedAt" = ${new Date()}
    WHERE "id" IN (${Prisma.join(ids)}) AND "state" = 'ATTRIBUTED' AND "nodeId" = ${nodeId} AND "fencingToken" = ${token} AND "instruction" <> 'KILL'
    RETURNING "id"`);
  return new Set(rows.map((r) => Number(r.id)));
}
