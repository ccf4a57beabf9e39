import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JobState } from "~/generated/sqlite/enums";
import { getOverview } from "~/server/services/stats/get-overview";
import { initDatabase } from "~/server/services/setup/init-database";
import { anonymousCaller, callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let t: TestDb;
let historyId = 1_000_000;

async function history(state: JobState, endedAt: Date, applicationName = "DemoEcho") {
  await t.db.history.create({
    data: {
      id: ++historyId,
      applicationName,
      queueName: "DEFAULT",
      state,
      parameters: {},
      enqueuedAt: new Date(endedAt.getTime() - 1000),
      endedAt,
    },
  });
}

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  const jd = await t.db.jobDef.findFirstOrThrow({ where: { applicationName: "DemoEcho" } });
  const slow = await t.db.queue.create({ data: { name: "SLOW" } });
  const live: [JobState, number][] = [
    ["SUBMITTED", jd.queueId],
    ["SUBMITTED", jd.queueId],
    ["SUBMITTED", slow.id],
    ["HOLDED", jd.queueId],
    ["SCHEDULED", jd.queueId],
    ["ATTRIBUTED", slow.id],
    ["RUNNING", jd.queueId],
  ];
  for (const [state, queueId] of live) await t.db.jobInstance.create({ data: { jobDefId: jd.id, queueId, state, parameters: {} } });

  const now = Date.now();
  await t.db.node.update({ where: { name: "node1" }, data: { lastSeenAlive: new Date(now) } });
  const dirs = { jobsDir: "/tmp/j", deliverablesDir: "/tmp/d", tmpDir: "/tmp/t", logDir: "/tmp/l" };
  await t.db.node.create({ data: { name: "node2", ...dirs, lastSeenAlive: new Date(now - 24 * HOUR) } });
  await t.db.node.create({ data: { name: "node3", ...dirs } });

  // Inside the last hour.
  await history("ENDED", new Date(now - 5 * MINUTE));
  await history("ENDED", new Date(now - 5 * MINUTE));
  await history("CRASHED", new Date(now - 30 * MINUTE), "DemoFail");
  await history("CANCELLED", new Date(now - 40 * MINUTE));
  // Inside the last 24 h, outside the last hour.
  await history("CRASHED", new Date(now - 3 * HOUR), "DemoFail");
  await history("CRASHED", new Date(now - 4 * HOUR), "DemoReport");
  await history("ENDED", new Date(now - 5 * HOUR));
  // Outside every window.
  await history("CRASHED", new Date(now - 25 * HOUR), "DemoReport");
  await history("CRASHED", new Date(now - 48 * HOUR), "DemoReport");
  await history("ENDED", new Date(now - 72 * HOUR));
});
afterAll(() => t.drop());

const sum = (buckets: { ended: number; crashed: number; cancelled: number }[], key: "ended" | "crashed" | "cancelled") =>
  buckets.reduce((n, b) => n + b[key], 0);

describe("stats router", () => {
  it("gives an administrator every section, matching the rows inserted", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    const o = await admin.caller.stats.overview();

    expect(o.runs!.live).toMatchObject({ waiting: 3, held: 1, scheduled: 1, running: 2, attributed: 1 });
    expect(o.runs!.lastHour).toEqual({ ended: 2, crashed: 1, cancelled: 1 });

    expect(o.runs!.perMinute).toHaveLength(60);
    expect(sum(o.runs!.perMinute, "ended")).toBe(2);
    expect(sum(o.runs!.perMinute, "crashed")).toBe(1);
    expect(sum(o.runs!.perMinute, "cancelled")).toBe(1);

    expect(o.runs!.perHour).toHaveLength(24);
    expect(sum(o.runs!.perHour, "ended")).toBe(3);
    expect(sum(o.runs!.perHour, "crashed")).toBe(3);
    expect(sum(o.runs!.perHour, "cancelled")).toBe(1);
    expect(o.runs!.truncated).toBe(false);

    expect(o.runs!.failingJobDefs.map((f) => [f.applicationName, f.crashed])).toEqual([
      ["DemoFail", 2],
      ["DemoReport", 1],
    ]);

    expect(o.nodes).toEqual({ total: 3, alive: 1, late: 0, dead: 1, neverStarted: 1 });

    const byName = Object.fromEntries(o.queues!.map((q) => [q.name, q]));
    expect(Object.keys(byName).sort()).toEqual(["DEFAULT", "SLOW"]);
    expect(byName.DEFAULT).toMatchObject({ waiting: 2, held: 1, scheduled: 1, running: 1, isDefault: true });
    expect(byName.SLOW).toMatchObject({ waiting: 1, running: 1, held: 0, scheduled: 0, nodes: 0 });
  });

  it("gates each section on its own read permission", async () => {
    const support = await callerWithRoles(t.db, ["client read only"]); // queue:read, job_instance:read
    const s = await support.caller.stats.overview();
    expect(s.runs).not.toBeNull();
    expect(s.queues).not.toBeNull();
    expect(s.nodes).toBeNull();

    const viewer = await callerWithRoles(t.db, ["config viewer"]); // node:read, queue:read
    const v = await viewer.caller.stats.overview();
    expect(v.runs).toBeNull();
    expect(v.nodes).not.toBeNull();
    expect(v.queues).not.toBeNull();

    const nobody = await callerWithRoles(t.db, []);
    expect(await nobody.caller.stats.overview()).toMatchObject({ runs: null, nodes: null, queues: null });

    await expect(anonymousCaller(t.db).stats.overview()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("reads a bounded window and flags it when the row cap is reached", async () => {
    const o = await getOverview(t.db, { include: { runs: true, nodes: false, queues: false }, maxWindowRows: 3 });
    expect(o.runs!.truncated).toBe(true);
    expect(o.runs!.completeFrom).toBeInstanceOf(Date);
    // The exact last-hour tiles do not depend on the cap.
    expect(o.runs!.lastHour).toEqual({ ended: 2, crashed: 1, cancelled: 1 });
    expect(sum(o.runs!.perHour, "ended") + sum(o.runs!.perHour, "crashed") + sum(o.runs!.perHour, "cancelled")).toBe(3);

    // A clock a day later: everything inserted has left the windows.
    const later = await getOverview(t.db, { now: new Date(Date.now() + 26 * HOUR), include: { runs: true, nodes: false, queues: false } });
    expect(later.runs!.lastHour).toEqual({ ended: 0, crashed: 0, cancelled: 0 });
    expect(sum(later.runs!.perHour, "crashed")).toBe(0);
    expect(later.runs!.failingJobDefs).toEqual([]);
  });
});
