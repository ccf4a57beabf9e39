import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endRun } from "~/server/services/runs/end-run";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { purgeHistory, purgeNodeFiles, retentionDays } from "./retention";
import { RETENTION_PARAMETER } from "~/server/domain/parameters";

let t: TestDb;
const log = pino({ level: "silent" });
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

describe("retention", () => {
  it("is off by default and reads historyRetentionDays", async () => {
    expect(await retentionDays(t.db)).toBeNull();
    await t.db.globalParameter.create({ data: { key: RETENTION_PARAMETER, value: "30" } });
    expect(await retentionDays(t.db)).toBe(30);
    await t.db.globalParameter.update({ where: { key: RETENTION_PARAMETER }, data: { value: "nonsense" } });
    expect(await retentionDays(t.db)).toBeNull();
  });

  it("purges old History rows with their messages, old files and old logs, and keeps recent ones", async () => {
    const node = await t.db.node.findFirstOrThrow();
    const old = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    const recent = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    for (const id of [old.id, recent.id]) {
      await t.db.message.create({ data: { jobInstanceId: id, text: "m" } });
      await endRun(t.db, { id, state: "ENDED" });
    }
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await t.db.history.update({ where: { id: old.id }, data: { endedAt: longAgo } });

    mkdirSync(join(node.deliverablesDir, String(old.id)), { recursive: true });
    writeFileSync(join(node.deliverablesDir, String(old.id), "f.txt"), "x");
    await t.db.deliverable.create({
      data: { jobInstanceId: old.id, nodeName: node.name, originalName: "f.txt", storedPath: `${old.id}/f.txt`, size: 1, sha256: "0", downloadId: "a".repeat(32), createdAt: longAgo },
    });
    mkdirSync(node.logDir, { recursive: true });
    const oldLog = join(node.logDir, `${String(old.id).padStart(10, "0")}.stdout.log`);
    const newLog = join(node.logDir, `${String(recent.id).padStart(10, "0")}.stdout.log`);
    writeFileSync(oldLog, "old");
    writeFileSync(newLog, "new");
    utimesSync(oldLog, longAgo, longAgo);

    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    await purgeNodeFiles(t.db, node, cutoff, log);
    expect(await purgeHistory(t.db, cutoff, log)).toBe(1);

    expect(await t.db.history.findMany({ select: { id: true } })).toEqual([{ id: recent.id }]);
    expect(await t.db.message.count({ where: { jobInstanceId: old.id } })).toBe(0);
    expect(await t.db.message.count({ where: { jobInstanceId: recent.id } })).toBe(1);
    expect(await t.db.deliverable.count()).toBe(0);
    expect(existsSync(join(node.deliverablesDir, String(old.id)))).toBe(false);
    expect(existsSync(oldLog)).toBe(false);
    expect(existsSync(newLog)).toBe(true);
  });
});
