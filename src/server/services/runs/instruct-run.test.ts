import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { enqueueRun } from "./enqueue-run";
import { endRun } from "./end-run";
import { cancelRun, killRun, pauseRun, relaunchRun, restartRun, resumeRun, setRunAfter, setRunPriority, setRunQueue } from "./instruct-run";

let t: TestDb;
const actor = { ...SYSTEM_ACTOR, login: "op" };
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  await t.db.queue.create({ data: { name: "SLOW" } });
});
afterAll(() => t.drop());

const state = async (id: number) => (await t.db.jobInstance.findUnique({ where: { id } }))?.state ?? (await t.db.history.findUnique({ where: { id } }))?.state;

describe("enqueueRun", () => {
  it("merges parameters over the job definition's defaults and records tags", async () => {
    const { id } = await enqueueRun(t.db, { applicationName: "DemoSleep", parameters: { extra: "x" }, user: "u1", sessionId: "s1", keyword1: "k" }, actor);
    const ji = await t.db.jobInstance.findUniqueOrThrow({ where: { id } });
    expect(ji).toMatchObject({ state: "SUBMITTED", userName: "u1", sessionId: "s1", keyword1: "k" });
    expect(ji.parameters).toEqual({ "1_seconds": "60", extra: "x" });
    expect(await t.db.auditEvent.count({ where: { action: "job_instance.create", objectId: String(id) } })).toBe(1);
  });

  it("refuses unknown applications, queues and parents with a clear error and creates nothing", async () => {
    const before = await t.db.jobInstance.count();
    await expect(enqueueRun(t.db, { applicationName: "Nope" })).rejects.toThrow("No job definition named Nope");
    await expect(enqueueRun(t.db, { applicationName: "DemoEcho", queueName: "NOPE" })).rejects.toThrow("No queue named NOPE");
    await expect(enqueueRun(t.db, { applicationName: "DemoEcho", parentId: 999999 })).rejects.toThrow("No run with id 999999");
    await expect(enqueueRun(t.db, { applicationName: "" })).rejects.toThrow(/applicationname is required/);
    expect(await t.db.jobInstance.count()).toBe(before);
  });

  it("schedules a run with a future runAfter and returns the waiting run of a highlander", async () => {
    const later = await enqueueRun(t.db, { applicationName: "DemoEcho", runAfter: new Date(Date.now() + 3600_000) });
    expect(await state(later.id)).toBe("SCHEDULED");

    await t.db.jobDef.update({ where: { applicationName: "DemoReport" }, data: { highlander: true } });
    const first = await enqueueRun(t.db, { applicationName: "DemoReport" });
    const second = await enqueueRun(t.db, { applicationName: "DemoReport" });
    expect(second).toEqual({ id: first.id, existing: true });
  });
});

describe("instructions", () => {
  it("pauses and resumes a waiting run, and refuses to pause a running one", async () => {
    const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    await pauseRun(t.db, { actor, id });
    expect(await state(id)).toBe("HOLDED");
    await resumeRun(t.db, { actor, id });
    expect(await state(id)).toBe("SUBMITTED");
    await t.db.jobInstance.update({ where: { id }, data: { state: "RUNNING" } });
    await expect(pauseRun(t.db, { actor, id })).rejects.toThrow(`Run ${id} is RUNNING; this action needs SUBMITTED or SCHEDULED`);
    const audit = await t.db.auditEvent.findMany({ where: { objectId: String(id), objectType: "job_instance" }, select: { action: true } });
    expect(audit.map((a) => a.action)).toEqual(["job_instance.pause", "job_instance.resume"]);
  });

  it("kills only active runs, recording who asked", async () => {
    const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    await expect(killRun(t.db, { actor, id })).rejects.toMatchObject({ code: "CONFLICT" });
    await t.db.jobInstance.update({ where: { id }, data: { state: "RUNNING" } });
    await killRun(t.db, { actor, id });
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id } })).toMatchObject({ instruction: "KILL", instructedBy: "op" });
  });

  it("cancels a waiting run into History and refuses a second cancel", async () => {
    const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    await cancelRun(t.db, { actor, id });
    expect(await t.db.history.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "CANCELLED", endReason: "cancelled by op" });
    await expect(cancelRun(t.db, { actor, id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(pauseRun(t.db, { actor, id })).rejects.toThrow(`Run ${id} has already ended (CANCELLED)`);
  });

  it("changes priority, queue and run-after of waiting runs", async () => {
    const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    await setRunPriority(t.db, { actor, id, priority: 9 });
    await setRunQueue(t.db, { actor, id, queueName: "SLOW" });
    await expect(setRunQueue(t.db, { actor, id, queueName: "NOPE" })).rejects.toThrow("No queue named NOPE");
    await setRunAfter(t.db, { actor, id, runAfter: new Date(Date.now() + 60_000) });
    const ji = await t.db.jobInstance.findUniqueOrThrow({ where: { id }, include: { queue: true } });
    expect(ji).toMatchObject({ priority: 9, state: "SCHEDULED" });
    expect(ji.queue.name).toBe("SLOW");
  });

  it("restarts only crashed runs of restartable definitions, and relaunches any ended run", async () => {
    const crashed = await enqueueRun(t.db, { applicationName: "DemoEcho", parameters: { p: "1" } });
    await endRun(t.db, { id: crashed.id, state: "CRASHED", endReason: "exit code 1" });
    const again = await restartRun(t.db, { actor, id: crashed.id });
    expect(again.id).not.toBe(crashed.id);
    expect((await t.db.jobInstance.findUniqueOrThrow({ where: { id: again.id } })).parameters).toEqual({ p: "1" });

    const ok = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    await endRun(t.db, { id: ok.id, state: "ENDED" });
    await expect(restartRun(t.db, { actor, id: ok.id })).rejects.toThrow("only crashed runs can be restarted");
    expect((await relaunchRun(t.db, { actor, id: ok.id })).id).toBeGreaterThan(ok.id);

    await t.db.jobDef.update({ where: { applicationName: "DemoEcho" }, data: { canBeRestarted: false } });
    await expect(restartRun(t.db, { actor, id: crashed.id })).rejects.toThrow("DemoEcho cannot be restarted");
    await t.db.jobDef.update({ where: { applicationName: "DemoEcho" }, data: { canBeRestarted: true } });
  });

  it("moves a run to History once: a second end is a no-op", async () => {
    const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    expect(await endRun(t.db, { id, state: "ENDED" })).toBe(true);
    expect(await endRun(t.db, { id, state: "CRASHED" })).toBe(false);
    expect(await t.db.history.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "ENDED", applicationName: "DemoEcho", queueName: "DEFAULT" });
  });
});

describe("killRun on a dead node", () => {
  it("takes the run over at once (nobody would read the instruction), fenced by the node's claim", async () => {
    const node = await t.db.node.create({
      data: { name: "gone", jobsDir: "/tmp/j", deliverablesDir: "/tmp/d", tmpDir: "/tmp/t", logDir: "/tmp/l", heartbeatMs: 300, lastSeenAlive: new Date(Date.now() - 3600_000) },
    });
    const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    await t.db.jobInstance.update({ where: { id }, data: { state: "RUNNING", nodeId: node.id, fencingToken: 0 } });
    await killRun(t.db, { actor, id });
    const h = await t.db.history.findUniqueOrThrow({ where: { id } });
    expect(h.state).toBe("CRASHED");
    expect(h.endReason).toMatch(/^killed by op; node gone was not running \(no heartbeat since /);
    expect(await t.db.auditEvent.count({ where: { action: "job_instance.kill", objectId: String(id) } })).toBe(1);

    // A live node's run only gets the instruction.
    await t.db.node.update({ where: { id: node.id }, data: { lastSeenAlive: new Date() } });
    const live = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    await t.db.jobInstance.update({ where: { id: live.id }, data: { state: "RUNNING", nodeId: node.id, fencingToken: 0 } });
    await killRun(t.db, { actor, id: live.id });
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id: live.id } })).toMatchObject({ state: "RUNNING", instruction: "KILL", instructedBy: "op" });
  });
});
