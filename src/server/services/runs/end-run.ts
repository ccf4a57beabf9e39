import { Prisma } from "~/generated/sqlite/client";
import { JobState } from "~/generated/sqlite/enums";
import type { Db, Tx } from "~/server/db";
import { type Sql, prismaSql, sqlTransaction } from "~/server/db/sql";

/** A node's hold on a run it claimed: every write the node makes about the run must match it. */
export type RunClaim = { nodeId: number; token: number };

export type EndRunOptions = {
  id: number;
  state: Extract<JobState, "ENDED" | "CRASHED" | "CANCELLED">;
  returnCode?: number | null;
  endReason?: string | null;
  /** Only end the run if it is still in one of these states (guards against racing writers). */
  fromStates?: JobState[];
  /** Only end the run if this claim still stands (the owner's end, fenced). */
  claim?: RunClaim;
  /** Deliverables of the run, recorded with its end (and only if the end is written). */
  deliverables?: Prisma.DeliverableCreateManyInput[];
};

const stateLiteral = (s: JobState) => {
  if (!Object.values(JobState).includes(s)) throw new Error(`not a run state: ${s}`);
  return Prisma.raw(`'${s}'`);
};

/** The conditions under which a live run may still be changed by a writer with these options. */
export function runGuard({ fromStates, claim }: Pick<EndRunOptions, "fromStates" | "claim">, alias = "") {
  const c = (name: string) => Prisma.raw(`${alias ? `${alias}.` : ""}"${name}"`);
  const parts: Prisma.Sql[] = [];
  if (fromStates) parts.push(Prisma.sql`${c("state")} IN (${Prisma.join(fromStates.map(stateLiteral))})`);
  if (claim) parts.push(Prisma.sql`${c("nodeId")} = ${claim.nodeId} AND ${c("fencingToken")} = ${claim.token}`);
  return parts.length ? Prisma.sql` AND ${Prisma.join(parts, " AND ")}` : Prisma.empty;
}

/**
 * Moves a run from JobInstance to History: a run ends once. False (and nothing written) when it
 * had already ended, or no longer matches `fromStates` or `claim`.
 */
export async function endRun(db: Db, options: EndRunOptions): Promise<boolean> {
  return (await endRuns(db, [options])).has(options.id);
}

/** Several ends in one transaction (a node's group commit); returns the ids whose end was written. */
export function endRuns(db: Db, ends: EndRunOptions[]): Promise<Set<number>> {
  return sqlTransaction(db, (sql) => endRunsInTx(sql, ends));
}

export async function endRunInTx(tx: Tx, options: EndRunOptions): Promise<boolean> {
  return (await endRunsInTx(prismaSql(tx), [options])).has(options.id);
}

const ids = (rows: { id: number }[]) => rows.map((r) => Number(r.id));

/**
 * The end as one guarded transition, safe under concurrent writers on both databases: the History
 * rows are written first (a second writer waits on their keys, then writes nothing), and the live
 * rows are removed only if they still match the guard; a History row whose live row changed
 * meanwhile is removed again. Ends that share a state and a guard are written by one INSERT and one
 * DELETE, whatever their number.
 */
async function endRunsInTx(tx: Sql, ends: EndRunOptions[]): Promise<Set<number>> {
  const groups = new Map<string, EndRunOptions[]>();
  for (const e of ends) {
    const key = JSON.stringify([e.state, e.fromStates ?? null, e.claim ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const written = new Set<number>();
  const endedAt = new Date();
  for (const group of groups.values()) {
    const { state, fromStates, claim } = group[0]!;
    const values = Prisma.join(
      group.map((e) => Prisma.sql`(CAST(${e.id} AS INTEGER), CAST(${e.returnCode ?? null} AS INTEGER), CAST(${e.endReason ?? null} AS TEXT))`),
    );
    const inserted = ids(
      await tx.query<{ id: number }>(Prisma.sql`
        INSERT INTO "History" ("id", "jobDefId", "applicationName", "queueName", "nodeName", "state", "returnCode", "endReason",
          "parentId", "progress", "priority", "parameters", "application", "module", "keyword1", "keyword2", "keyword3",
          "userName", "sessionId", "email", "enqueuedAt", "attributedAt", "startedAt", "endedAt")
        SELECT ji."id", ji."jobDefId", jd."applicationName", q."name", n."name", ${stateLiteral(state)}, e.column2, e.column3,
          ji."parentId", ji."progress", ji."priority", ji."parameters", ji."application", ji."module", ji."keyword1", ji."keyword2", ji."keyword3",
          ji."userName", ji."sessionId", ji."email", ji."enqueuedAt", ji."attributedAt", ji."startedAt", ${endedAt}
        FROM "JobInstance" ji
        JOIN (VALUES ${values}) AS e ON e.column1 = ji."id"
        JOIN "JobDef" jd ON jd."id" = ji."jobDefId"
        JOIN "Queue" q ON q."id" = ji."queueId"
        LEFT JOIN "Node" n ON n."id" = ji."nodeId"
        WHERE 1 = 1${runGuard({ fromStates, claim }, "ji")}
        ON CONFLICT ("id") DO NOTHING
        RETURNING "id"`),
    );
    if (!inserted.length) continue;
    const deleted = new Set(
      ids(await tx.query<{ id: number }>(Prisma.sql`DELETE FROM "JobInstance" WHERE "id" IN (${Prisma.join(inserted)})${runGuard({ fromStates, claim })} RETURNING "id"`)),
    );
    const changed = inserted.filter((id) => !deleted.has(id));
    if (changed.length) await tx.execute(Prisma.sql`DELETE FROM "History" WHERE "id" IN (${Prisma.join(changed)})`);
    for (const id of deleted) written.add(id);
  }
  const done = ends.filter((e) => written.has(e.id));
  const deliverables = done.flatMap((e) => e.deliverables ?? []);
  if (deliverables.length) {
    await tx.execute(Prisma.sql`
      INSERT INTO "Deliverable" ("jobInstanceId", "nodeName", "fileFamily", "originalName", "storedPath", "size", "sha256", "downloadId", "createdAt")
      VALUES ${Prisma.join(deliverables.map((d) => Prisma.sql`(${d.jobInstanceId}, ${d.nodeName}, ${d.fileFamily ?? null}, ${d.originalName}, ${d.storedPath}, ${d.size}, ${d.sha256}, ${d.downloadId}, ${endedAt})`))}`);
  }
  const messages = done.filter((e) => e.endReason && e.state !== "ENDED");
  if (messages.length) {
    await tx.execute(Prisma.sql`
      INSERT INTO "Message" ("jobInstanceId", "text", "createdAt")
      VALUES ${Prisma.join(messages.map((e) => Prisma.sql`(${e.id}, ${`Status changed: ${e.state} due to ${e.endReason}`}, ${endedAt})`))}`);
  }
  return written;
}
