import { Cron } from "croner";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initDatabase } from "~/server/services/setup/init-database";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { type TestDb, createTestDb } from "~/test/test-db";
import { fireDueSchedules, holdLease, latestDueOccurrence, promoteScheduledRuns } from "./scheduler";

let t: TestDb;
const log = pino({ level: "silent" });
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

describe("latestDueOccurrence", () => {
  const cron = new Cron("*/5 * * * *", { paused: true });
  it("is null before the next occurrence and collapses missed ones into the latest", () => {
    const from = new Date("2026-01-01T10:00:00Z");
    expect(latestDueOccurrence(cron, from, new Date("2026-01-01T10:04:59Z"))).toBeNull();
    expect(latestDueOccurrence(cron, from, new Date("2026-01-01T10:05:00Z"))).toEqual(new Date("2026-01-01T10:05:00Z"));
    expect(latestDueOccurrence(cron, from, new Date("2026-01-01T10:23:00Z"))).toEqual(new Date("2026-01-01T10:20:00Z"));
  });
});

describe("holdLease", () => {
  it("belongs to one holder until it expires, then another may take it", async () => {
    const now = new Date("2026-01-01T00:00:00Z");
    expect(await holdLease(t.db, "x", "a", 1000, now)).toBe(true);
    expect(await holdLease(t.db, "x", "b", 1000, now)).toBe(false);
    expect(await holdLease(t.db, "x", "a", 1000, new Date(now.getTime() + 500))).toBe(true);
    expect(await holdLease(t.db, "x", "b", 1000, new Date(now.getTime() + 1400))).toBe(false);
    expect(await holdLease(t.db, "x", "b", 1000, new Date(now.getTime() + 1600))).toBe(true);
  });
});

describe("schedules", () => {
  it("fires a due schedule once per occurrence, even when called twice for the same instant", async () => {
    const jd = await t.db.jobDef.findUniqueOrThrow({ where: { applicationName: "DemoEcho" } });
    const createdAt = new Date("2026-01-01T10:00:30Z");
    const s = await t.db.jobSchedule.create({ data: { jobDefId: jd.id, cronExpression: "* * * * *", parameters: { from: "cron" }, createdAt } });
    const at = new Date("2026-01-01T10:03:10Z");
    expect(await Promise.all([fireDueSchedules(t.db, log, at), fireDueSchedules(t.db, log, at)]).then((n) => n[0] + n[1])).toBe(1);
    expect(await fireDueSchedules(t.db, log, new Date("2026-01-01T10:03:50Z"))).toBe(0);
    expect(await fireDueSchedules(t.db, log, new Date("2026-01-01T10:04:00Z"))).toBe(1);
    const runs = await t.db.jobInstance.findMany({ where: { scheduleId: s.id } });
    expect(runs).toHaveLength(2);
    expect(runs[0]!.parameters).toEqual({ from: "cron" });
    expect((await t.db.jobSchedule.findUniqueOrThrow({ where: { id: s.id } })).lastFiredAt).toEqual(new Date("2026-01-01T10:04:00Z"));
    await t.db.jobSchedule.update({ where: { id: s.id }, data: { enabled: false } });
  });

  it("audits each run it fires as created by the scheduler, naming the schedule", async () => {
    const jd = await t.db.jobDef.findUniqueOrThrow({ where: { applicationName: "DemoEcho" } });
    const s = await t.db.jobSchedule.create({ data: { jobDefId: jd.id, cronExpression: "0 * * * *", parameters: { from: "audit" }, createdAt: new Date("2026-02-01T10:30:00Z") } });
    expect(await fireDueSchedules(t.db, log, new Date("2026-02-01T11:00:05Z"))).toBe(1);
    const run = await t.db.jobInstance.findFirstOrThrow({ where: { scheduleId: s.id } });
    const rows = await t.db.auditEvent.findMany({ where: { action: "job_instance.create", objectId: String(run.id) } });
    expect(rows).toEqual([
      expect.objectContaining({
        login: "scheduler",
        userId: null,
        objectType: "job_instance",
        after: expect.objectContaining({ applicationName: "DemoEcho", parameters: { from: "audit" }, scheduleId: s.id }),
      }),
    ]);
    await t.db.jobSchedule.update({ where: { id: s.id }, data: { enabled: false } });
  });

  it("turns due SCHEDULED runs into SUBMITTED ones", async () => {
    const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho", runAfter: new Date(Date.now() + 60_000) });
    expect(await promoteScheduledRuns(t.db)).toBe(0);
    expect(await promoteScheduledRuns(t.db, new Date(Date.now() + 61_000))).toBe(1);
    expect((await t.db.jobInstance.findUniqueOrThrow({ where: { id } })).state).toBe("SUBMITTED");
  });
});
