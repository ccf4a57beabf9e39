import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Db } from "~/server/db";
import { RETENTION_PARAMETER } from "~/server/domain/parameters";

/** The retention in days from the global parameter, or null when off (the default). */
export async function retentionDays(db: Db): Promise<number | null> {
  const p = await db.globalParameter.findUnique({ where: { key: RETENTION_PARAMETER } });
  const days = p ? Number(p.value) : NaN;
  return Number.isFinite(days) && days > 0 ? days : null;
}

/** This node's share of the purge: its deliverable files and rows, and its run log files. */
export async function purgeNodeFiles(db: Db, node: { name: string; deliverablesDir: string; logDir: string }, cutoff: Date, log: Logger) {
  const old = await db.deliverable.findMany({ where: { nodeName: node.name, createdAt: { lt: cutoff } }, select: { id: true, jobInstanceId: true } });
  for (const runId of new Set(old.map((d) => d.jobInstanceId))) {
    await rm(join(node.deliverablesDir, String(runId)), { recursive: true, force: true });
  }
  await db.deliverable.deleteMany({ where: { id: { in: old.map((d) => d.id) } } });
  let logs = 0;
  for (const name of await readdir(node.logDir).catch(() => [])) {
    if (!/^\d{10}\.std(out|err)\.log$/.test(name)) continue;
    const file = join(node.logDir, name);
    if ((await stat(file)).mtime < cutoff) {
      await rm(file, { force: true });
      logs++;
    }
  }
  if (old.length || logs) log.info({ deliverables: old.length, logs }, "retention purge of node files");
}

/** The cluster's share, done by the scheduler leader: History rows and their messages. */
export async function purgeHistory(db: Db, cutoff: Date, log: Logger) {
  let total = 0;
  for (;;) {
    const batch = await db.history.findMany({ where: { endedAt: { lt: cutoff } }, select: { id: true }, take: 500 });
    if (batch.length === 0) break;
    const ids = batch.map((h) => h.id);
    await db.$transaction([db.message.deleteMany({ where: { jobInstanceId: { in: ids } } }), db.history.deleteMany({ where: { id: { in: ids } } })]);
    total += ids.length;
  }
  if (total) log.info({ runs: total }, "retention purge of history");
  return total;
}
