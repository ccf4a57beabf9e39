import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { createJobDef } from "./create-jobdef";
import { deleteJobDef } from "./delete-jobdef";
import { findJqmJobDefs, getJqmJobDef } from "./jqm-mapping";
import { getJobDef, listJobDefs } from "./read-model";
import { createJobSchedule, deleteJobSchedule, updateJobSchedule } from "./job-schedules";
import { updateJobDef } from "./update-jobdef";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  await t.db.queue.create({ data: { name: "batch" } });
});
afterAll(() => t.drop());

const actor = { userId: null, login: "tester", fromAddress: "127.0.0.1" };

async function codeOf(p: Promise<unknown>) {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof AppError) return e.code;
    throw e;
  }
}

function auditOf(objectId: number) {
  return t.db.auditEvent.findMany({ where: { objectType: "jd", objectId: String(objectId) }, orderBy: { id: "asc" } });
}

describe("job definition services", () => {
  it("creates a definition with defaults, audited with the whole definition", async () => {
    const jd = await createJobDef(t.db, {
      actor,
      jobDef: { applicationName: "Nightly", queueName: "batch", payloadType: "shell", path: "echo nightly", parameters: { mode: "full" }, keyword1: "" },
    });
    expect(jd).toMatchObject({
      applicationName: "Nightly",
      queueName: "batch",
      payloadType: "shell",
      parameters: { mode: "full" },
      enabled: true,
      highlander: false,
      canBeRestarted: true,
      priority: 0,
      keyword1: null,
      schedules: [],
    });
    const [event] = await auditOf(jd.id);
    expect(event).toMatchObject({ action: "jd.create", login: "tester", before: null });
    expect(event!.after).toMatchObject({ applicationName: "Nightly", queueName: "batch", parameters: { mode: "full" } });
    // The client API's view stays what it was.
    expect(await getJqmJobDef(t.db, "Nightly")).toMatchObject({ applicationName: "Nightly", queueName: "batch", parameters: { mode: "full" } });
    expect((await findJqmJobDefs(t.db)).map((j) => j.applicationName)).toContain("Nightly");
  });

  it("refuses a duplicate name, an unknown queue and JQM's length limits, writing nothing", async () => {
    const before = await t.db.jobDef.count();
    const base = { queueName: "batch", payloadType: "shell" as const, path: "true" };
    await expect(createJobDef(t.db, { actor, jobDef: { ...base, applicationName: "DemoEcho" } })).rejects.toMatchObject({
      code: "CONFLICT",
      message: "A job definition named DemoEcho already exists",
    });
    await expect(createJobDef(t.db, { actor, jobDef: { ...base, applicationName: "X1", queueName: "nope" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "Unknown queue: nope",
    });
    expect(await codeOf(createJobDef(t.db, { actor, jobDef: { ...base, applicationName: "X2", parameters: { ["k".repeat(51)]: "v" } } }))).toBe("BAD_REQUEST");
    expect(await codeOf(createJobDef(t.db, { actor, jobDef: { ...base, applicationName: "X3", parameters: { k: "v".repeat(1001) } } }))).toBe("BAD_REQUEST");
    expect(await codeOf(createJobDef(t.db, { actor, jobDef: { ...base, applicationName: "X4", keyword2: "w".repeat(51) } }))).toBe("BAD_REQUEST");
    expect(await codeOf(createJobDef(t.db, { actor, jobDef: { ...base, applicationName: "X5", path: "  " } }))).toBe("BAD_REQUEST");
    expect(await t.db.jobDef.count()).toBe(before);
  });

  it("updates only what changed and audits before/after of those fields", async () => {
    const jd = await createJobDef(t.db, { actor, jobDef: { applicationName: "Upd", queueName: "DEFAULT", payloadType: "exec", path: "/bin/true" } });
    const unchanged = await updateJobDef(t.db, { actor, id: jd.id, changes: { path: "/bin/true", parameters: {} } });
    expect(unchanged.updatedAt).toEqual(jd.updatedAt);
    const updated = await updateJobDef(t.db, {
      actor,
      id: jd.id,
      changes: { queueName: "batch", highlander: true, parameters: { a: "1", b: "2" }, application: "Finance" },
    });
    expect(updated).toMatchObject({ queueName: "batch", highlander: true, parameters: { a: "1", b: "2" }, application: "Finance", path: "/bin/true" });
    const events = await auditOf(jd.id);
    expect(events.map((e) => e.action)).toEqual(["jd.create", "jd.update"]);
    expect(events[1]!.before).toEqual({ applicationName: "Upd", queueName: "DEFAULT", highlander: false, parameters: {}, application: null });
    expect(events[1]!.after).toEqual({ applicationName: "Upd", queueName: "batch", highlander: true, parameters: { a: "1", b: "2" }, application: "Finance" });

    await expect(updateJobDef(t.db, { actor, id: jd.id, changes: { applicationName: "DemoSleep" } })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(updateJobDef(t.db, { actor, id: jd.id, changes: { queueName: "ghost" } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(updateJobDef(t.db, { actor, id: 999_999, changes: { enabled: false } })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await getJobDef(t.db, jd.id)).queueName).toBe("batch");
  });

  it("manages schedules: validated cron, queue override, audited on the definition", async () => {
    const jd = await createJobDef(t.db, { actor, jobDef: { applicationName: "Sched", queueName: "DEFAULT", payloadType: "shell", path: "date" } });
    await expect(createJobSchedule(t.db, { actor, jobDefId: jd.id, schedule: { cronExpression: "61 * * * *" } })).rejects.toThrow(
      /Invalid value for minute: 61/,
    );
    await expect(createJobSchedule(t.db, { actor, jobDefId: jd.id, schedule: { cronExpression: "0 * * * *", queueName: "ghost" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    const s = await createJobSchedule(t.db, {
      actor,
      jobDefId: jd.id,
      schedule: { cronExpression: "*/15 * * * *", queueName: "batch", priority: 5, parameters: { from: "cron" } },
    });
    expect(s).toMatchObject({ cronExpression: "*/15 * * * *", queueName: "batch", priority: 5, parameters: { from: "cron" }, enabled: true });
    expect(s.nextRunAt!.getUTCMinutes() % 15).toBe(0);

    const changed = await updateJobSchedule(t.db, { actor, id: s.id, changes: { queueName: null, enabled: false } });
    expect(changed).toMatchObject({ queueName: null, enabled: false, priority: 5 });
    expect((await getJobDef(t.db, jd.id)).schedules).toHaveLength(1);
    await deleteJobSchedule(t.db, { actor, id: s.id });
    expect((await getJobDef(t.db, jd.id)).schedules).toEqual([]);
    await expect(deleteJobSchedule(t.db, { actor, id: s.id })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const events = await auditOf(jd.id);
    expect(events.map((e) => e.action)).toEqual(["jd.create", "jd.schedule.create", "jd.schedule.update", "jd.schedule.delete"]);
    expect(events[2]!.before).toMatchObject({ scheduleId: s.id, queueName: "batch", enabled: true });
    expect(events[2]!.after).toMatchObject({ scheduleId: s.id, queueName: null, enabled: false });
  });

  it("refuses to delete a definition with live runs, then deletes it with its schedules; History keeps the name", async () => {
    const jd = await createJobDef(t.db, { actor, jobDef: { applicationName: "Doomed", queueName: "DEFAULT", payloadType: "shell", path: "true" } });
    await createJobSchedule(t.db, { actor, jobDefId: jd.id, schedule: { cronExpression: "0 0 * * *" } });
    const { id: runId } = await enqueueRun(t.db, { applicationName: "Doomed" });
    await enqueueRun(t.db, { applicationName: "Doomed" });
    await expect(deleteJobDef(t.db, { actor, id: jd.id })).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("has 2 live runs"),
    });
    // Runs end: they move to History with the definition's name.
    const live = await t.db.jobInstance.findMany({ where: { jobDefId: jd.id } });
    await t.db.history.createMany({
      data: live.map((r) => ({ id: r.id, jobDefId: jd.id, applicationName: "Doomed", queueName: "DEFAULT", state: "ENDED" as const, parameters: {}, enqueuedAt: r.enqueuedAt, endedAt: new Date() })),
    });
    await t.db.jobInstance.deleteMany({ where: { jobDefId: jd.id } });

    await deleteJobDef(t.db, { actor, id: jd.id });
    expect(await t.db.jobDef.findUnique({ where: { id: jd.id } })).toBeNull();
    expect(await t.db.jobSchedule.count({ where: { jobDefId: jd.id } })).toBe(0);
    expect((await t.db.history.findUniqueOrThrow({ where: { id: runId } })).applicationName).toBe("Doomed");
    const events = await auditOf(jd.id);
    expect(events.at(-1)).toMatchObject({ action: "jd.delete", after: null });
    expect(events.at(-1)!.before).toMatchObject({ applicationName: "Doomed", schedules: [{ cronExpression: "0 0 * * *" }] });
    await expect(deleteJobDef(t.db, { actor, id: jd.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("lists every definition with its queue and schedules", async () => {
    const all = await listJobDefs(t.db);
    expect(all.map((j) => j.applicationName)).toEqual([...all.map((j) => j.applicationName)].sort());
    expect(all.find((j) => j.applicationName === "DemoSleep")).toMatchObject({ payloadType: "exec", path: "/bin/sleep", queueName: "DEFAULT" });
  });

  it("audits as the system actor from the CLI", async () => {
    const jd = await createJobDef(t.db, { actor: SYSTEM_ACTOR, jobDef: { applicationName: "FromCli", queueName: "DEFAULT", payloadType: "node", path: "jobs/x.mjs" } });
    expect((await auditOf(jd.id))[0]).toMatchObject({ login: "system", userId: null });
  });
});
