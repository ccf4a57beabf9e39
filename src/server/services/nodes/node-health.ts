import { env } from "~/env";
import { DEAD_AFTER_PARAMETER, DEAD_FLOOR_HEARTBEATS, DEFAULT_DEAD_AFTER_SECONDS } from "~/server/domain/parameters";
import { type Db, type DbOrTx, dialectOf } from "~/server/db";

/** This process's heartbeat interval (a node writes it to Node.heartbeatMs at start). */
export const HEARTBEAT_INTERVAL_MS = env.NODE_HEARTBEAT_MS;


export type NodeHealth = "alive" | "late" | "dead" | "never started";
type Liveness = { lastSeenAlive: Date | null; heartbeatMs: number | null; deadAfterSeconds: number | null };
/** What a query must select for nodeHealth and deadAfterMs. */
export const LIVENESS_SELECT = { lastSeenAlive: true, heartbeatMs: true, deadAfterSeconds: true } as const;

/**
 * The dead threshold of one node: its own `deadAfterSeconds`, else the global parameter; never less
 * than ten of the node's heartbeats.
 */
export function deadAfterMs(node: Pick<Liveness, "heartbeatMs" | "deadAfterSeconds">, globalDeadAfterSeconds: number): number {
  return Math.max((node.deadAfterSeconds ?? globalDeadAfterSeconds) * 1000, DEAD_FLOOR_HEARTBEATS * (node.heartbeatMs ?? HEARTBEAT_INTERVAL_MS));
}

/** The parameter's value (a bad or missing value means the default). */
export async function readDeadAfterSeconds(db: DbOrTx): Promise<number> {
  const row = await db.globalParameter.findUnique({ where: { key: DEAD_AFTER_PARAMETER }, select: { value: true } });
  const n = Number(row?.value);
  return Number.isSafeInteger(n) && n >= 1 ? n : DEFAULT_DEAD_AFTER_SECONDS;
}

/**
 * The database's clock: heartbeats are written with it, so ages are measured with it too, never
 * with this machine's clock. (A SQLite file lives on one machine: its clock is the database's.)
 */
export async function databaseNow(db: Db): Promise<Date> {
  if (dialectOf(db).name === "sqlite") return new Date();
  const [row] = await db.$queryRaw<{ ms: number }[]>`SELECT (extract(epoch from clock_timestamp()) * 1000)::float8 AS "ms"`;
  return new Date(Number(row!.ms));
}

/** What ages are judged with: the database's now and the dead threshold parameter. */
export async function livenessClock(db: Db) {
  const [now, deadAfterSeconds] = await Promise.all([databaseNow(db), readDeadAfterSeconds(db)]);
  return { now, deadAfterSeconds };
}

/** alive: heartbeat within 2 of its intervals; late: until its dead threshold; dead: older. */
export function nodeHealth(node: Liveness, clock: { now: Date; deadAfterSeconds: number }): NodeHealth {
  if (!node.lastSeenAlive) return "never started";
  const age = clock.now.getTime() - node.lastSeenAlive.getTime();
  if (age <= 2 * (node.heartbeatMs ?? HEARTBEAT_INTERVAL_MS)) return "alive";
  if (age <= deadAfterMs(node, clock.deadAfterSeconds)) return "late";
  return "dead";
}
