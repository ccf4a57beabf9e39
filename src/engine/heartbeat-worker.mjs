// The node's heartbeat, in its own thread with its own database connection: job work on the main
// thread (CPU, a busy connection pool, a long GC) cannot delay it. Every beat writes Node.lastSeenAlive
// with the database's clock, guarded by the node's incarnation: when another node declared this one
// dead (or another process started under its name), the guard fails and the main thread is told.
// Messages out: {type: "beat", at, gapMs} | {type: "fenced"} | {type: "error", message}.
// Messages in: {type: "incarnation", incarnation} (after the node rejoined) | {type: "stop"}.
import { performance } from "node:perf_hooks";
import { parentPort, workerData } from "node:worker_threads";

const { databaseUrl, nodeId, intervalMs } = workerData;
let incarnation = workerData.incarnation;
let fenced = false;
let stopped = false;
let timer;

const postgres = /^postgres(ql)?:\/\//.test(databaseUrl);

async function openPostgres() {
  const { default: pg } = await import("pg");
  let client = null;
  return {
    async beat() {
      if (!client) {
        const c = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: intervalMs * 4, query_timeout: intervalMs * 4 });
        c.on("error", () => (client = client === c ? null : client));
        await c.connect();
        client = c;
      }
      try {
        const r = await client.query(
          `UPDATE "Node" SET "lastSeenAlive" = (now() AT TIME ZONE 'UTC') WHERE "id" = $1 AND "incarnation" = $2
           RETURNING to_char("lastSeenAlive", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "at"`,
          [nodeId, incarnation],
        );
        return r.rows[0]?.at ?? null;
      } catch (err) {
        const c = client;
        client = null;
        c?.end().catch(() => undefined);
        throw err;
      }
    },
    close: () => client?.end().catch(() => undefined),
  };
}

async function openSqlite() {
  const { default: Database } = await import("better-sqlite3");
  const sqlite = new Database(databaseUrl.replace(/^file:/, ""), { timeout: Math.max(10_000, intervalMs * 4) });
  const update = sqlite.prepare(
    `UPDATE "Node" SET "lastSeenAlive" = strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now') WHERE "id" = ? AND "incarnation" = ? RETURNING "lastSeenAlive" AS "at"`,
  );
  return {
    async beat() {
      const row = update.get(nodeId, incarnation);
      return row ? new Date(row.at).toISOString() : null;
    },
    close: () => sqlite.close(),
  };
}

const db = postgres ? await openPostgres() : await openSqlite();
let lastBeat = null;

async function tick() {
  if (stopped) return;
  if (!fenced) {
    try {
      const at = await db.beat();
      if (at === null) {
        fenced = true;
        parentPort.postMessage({ type: "fenced" });
      } else {
        const now = performance.now();
        parentPort.postMessage({ type: "beat", at, gapMs: lastBeat === null ? 0 : Math.round(now - lastBeat) });
        lastBeat = now;
      }
    } catch (err) {
      parentPort.postMessage({ type: "error", message: err instanceof Error ? err.message : String(err) });
    }
  }
  if (!stopped) timer = setTimeout(tick, intervalMs);
}

parentPort.on("message", async (msg) => {
  if (msg.type === "incarnation") {
    incarnation = msg.incarnation;
    fenced = false;
    lastBeat = null;
  } else if (msg.type === "stop") {
    stopped = true;
    clearTimeout(timer);
    await db.close();
    parentPort.close();
  }
});

void tick();
