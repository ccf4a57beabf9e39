import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { initDatabase } from "~/server/services/setup/init-database";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

async function admin() {
  return (await callerWithRoles(t.db, ["config admin"])).caller;
}

async function auditOf(action: string, objectId: number | string) {
  return t.db.auditEvent.findFirstOrThrow({ where: { action, objectId: String(objectId) }, orderBy: { id: "desc" } });
}

describe("queue router", () => {
  it("lists DEFAULT with node1's mapping, status and counts", async () => {
    const reader = await callerWithRoles(t.db, ["config viewer"]);
    const queues = await reader.caller.queue.find();
    const def = queues.find((q) => q.name === "DEFAULT");
    expect(def).toMatchObject({ isDefault: true, status: "RUNNING", capacity: 5, waiting: 0, running: 0 });
    expect(def?.mappings).toEqual([expect.objectContaining({ nodeName: "node1", maxThreads: 5, pollingIntervalMs: 1000, enabled: true, running: 0 })]);
  });

  it("creates, renames and describes a queue, auditing before and after", async () => {
    const caller = await admin();
    const q = await caller.queue.create({ name: "reports", description: "Nightly reports" });
    expect(q).toMatchObject({ name: "reports", description: "Nightly reports", isDefault: false });
    expect((await auditOf("queue.create", q.id)).after).toMatchObject({ name: "reports", description: "Nightly reports", isDefault: false });

    await caller.queue.update({ id: q.id, name: "reports2", description: "Reports" });
    const event = await auditOf("queue.update", q.id);
    expect(event).toMatchObject({ objectType: "queue" });
    expect(event.before).toEqual({ name: "reports", description: "Nightly reports" });
    expect(event.after).toEqual({ name: "reports2", description: "Reports" });
    const got = await caller.queue.get({ id: q.id });
    expect(got).toMatchObject({ name: "reports2", status: "PAUSED", capacity: 0, mappings: [] });
  });

  it("keeps exactly one default queue", async () => {
    const caller = await admin();
    const defaults = async () => (await caller.queue.find()).filter((q) => q.isDefault).map((q) => q.name);
    const vip = await caller.queue.create({ name: "vip", isDefault: true });
    expect(await defaults()).toEqual(["vip"]);
    expect((await auditOf("queue.create", vip.id)).after).toMatchObject({ isDefault: true, defaultTakenFrom: ["DEFAULT"] });

    const def = (await caller.queue.find()).find((q) => q.name === "DEFAULT")!;
    await caller.queue.update({ id: def.id, isDefault: true });
    expect(await defaults()).toEqual(["DEFAULT"]);
    expect((await auditOf("queue.update", def.id)).after).toMatchObject({ isDefault: true, defaultTakenFrom: ["vip"] });

    await expect(caller.queue.update({ id: def.id, isDefault: false })).rejects.toMatchObject({ code: "BAD_REQUEST", message: /make another queue the default/ });
    await expect(caller.queue.delete({ id: def.id })).rejects.toMatchObject({ code: "CONFLICT", message: /default queue/ });
    // Making the default queue default again changes nothing.
    await caller.queue.update({ id: def.id, isDefault: true });
    expect(await defaults()).toEqual(["DEFAULT"]);
  });

  it("refuses to delete a queue in use, with the counts, and deletes its mappings with it", async () => {
    const caller = await admin();
    const q = await caller.queue.create({ name: "busy" });
    const node1 = await t.db.node.findUniqueOrThrow({ where: { name: "node1" } });
    const mapping = await t.db.queueMapping.create({ data: { nodeId: node1.id, queueId: q.id } });
    const jd = await t.db.jobDef.findUniqueOrThrow({ where: { applicationName: "DemoEcho" } });
    const schedule = await t.db.jobSchedule.create({ data: { jobDefId: jd.id, cronExpression: "0 * * * *", queueId: q.id, parameters: {} } });
    const runs = [await enqueueRun(t.db, { applicationName: "DemoEcho", queueName: "busy" }), await enqueueRun(t.db, { applicationName: "DemoEcho", queueName: "busy" })];

    await expect(caller.queue.delete({ id: q.id })).rejects.toMatchObject({ code: "CONFLICT", message: "Queue busy is still used by 2 live runs, 1 schedule" });
    await caller.queue.clear({ id: q.id });
    await expect(caller.queue.delete({ id: q.id })).rejects.toMatchObject({ code: "CONFLICT", message: "Queue busy is still used by 1 schedule" });
    await t.db.jobSchedule.delete({ where: { id: schedule.id } });
    expect(await t.db.history.count({ where: { id: { in: runs.map((r) => r.id) }, state: "CANCELLED" } })).toBe(2);

    const deleted = await caller.queue.delete({ id: q.id });
    expect(deleted).toEqual({ id: q.id, name: "busy", mappingsDeleted: 1 });
    expect(await t.db.queueMapping.findUnique({ where: { id: mapping.id } })).toBeNull();
    const event = await auditOf("queue.delete", q.id);
    expect(event.before).toMatchObject({ name: "busy", mappings: [expect.objectContaining({ id: mapping.id, nodeId: node1.id })] });
    await expect(caller.queue.delete({ id: q.id })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const withJd = await caller.queue.create({ name: "withjd" });
    await t.db.jobDef.update({ where: { id: jd.id }, data: { queueId: withJd.id } });
    await expect(caller.queue.delete({ id: withJd.id })).rejects.toMatchObject({ code: "CONFLICT", message: "Queue withjd is still used by 1 job definition" });
    const def = await t.db.queue.findFirstOrThrow({ where: { isDefault: true } });
    await t.db.jobDef.update({ where: { id: jd.id }, data: { queueId: def.id } });
  });

  it("pauses, resumes and clears, reporting status, waiting and running counts", async () => {
    const caller = await admin();
    const q = await caller.queue.create({ name: "batch" });
    const node1 = await t.db.node.findUniqueOrThrow({ where: { name: "node1" } });
    const node2 = await t.db.node.create({ data: { name: "node2", jobsDir: "/tmp/j", deliverablesDir: "/tmp/d", tmpDir: "/tmp/t", logDir: "/tmp/l" } });
    await t.db.queueMapping.createMany({ data: [{ nodeId: node1.id, queueId: q.id, maxThreads: 3 }, { nodeId: node2.id, queueId: q.id, maxThreads: 2, enabled: false }] });
    const a = await enqueueRun(t.db, { applicationName: "DemoEcho", queueName: "batch" });
    await enqueueRun(t.db, { applicationName: "DemoEcho", queueName: "batch" });
    await enqueueRun(t.db, { applicationName: "DemoEcho", queueName: "batch", held: true });
    await t.db.jobInstance.update({ where: { id: a.id }, data: { state: "RUNNING", nodeId: node1.id } });

    let row = await caller.queue.get({ id: q.id });
    expect(row).toMatchObject({ status: "PARTIALLY_RUNNING", waiting: 2, running: 1, capacity: 3 });
    expect(row.mappings.map((m) => [m.nodeName, m.running])).toEqual([["node1", 1], ["node2", 0]]);

    await caller.queue.pause({ id: q.id });
    expect(await caller.queue.get({ id: q.id })).toMatchObject({ status: "PAUSED", capacity: 0 });
    await caller.queue.resume({ id: q.id });
    expect(await caller.queue.get({ id: q.id })).toMatchObject({ status: "RUNNING", capacity: 5 });

    expect(await caller.queue.clear({ id: q.id })).toEqual({ queueId: q.id, cancelled: 2 });
    row = await caller.queue.get({ id: q.id });
    expect(row).toMatchObject({ waiting: 0, running: 1 });
    const actions = await t.db.auditEvent.findMany({ where: { objectType: "queue", objectId: String(q.id) }, orderBy: { id: "asc" }, select: { action: true } });
    expect(actions.map((e) => e.action)).toEqual(["queue.create", "queue.pause", "queue.resume", "queue.clear"]);
  });

  it("rejects bad input with BAD_REQUEST or CONFLICT and changes nothing", async () => {
    const caller = await admin();
    const before = await t.db.queue.count();
    await expect(caller.queue.create({ name: "" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.queue.create({ name: "has space" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.queue.create({ name: "x".repeat(51) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.queue.create({ name: "ok", description: "d".repeat(1001) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.queue.create({ name: "DEFAULT" })).rejects.toMatchObject({ code: "CONFLICT" });
    const vip = (await caller.queue.find()).find((q) => q.name === "vip")!;
    await expect(caller.queue.update({ id: vip.id, name: "DEFAULT" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(caller.queue.update({ id: 999_999, description: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.queue.get({ id: 999_999 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await t.db.queue.count()).toBe(before);
  });

  it("lets a client and a config viewer read queues but not change them", async () => {
    const def = await t.db.queue.findFirstOrThrow({ where: { isDefault: true } });
    for (const role of ["client", "config viewer"]) {
      const { caller } = await callerWithRoles(t.db, [role]);
      expect((await caller.queue.find()).length).toBeGreaterThan(0);
      await expect(caller.queue.create({ name: `by_${role.replace(" ", "_")}` })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(caller.queue.update({ id: def.id, description: "hacked" })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(caller.queue.delete({ id: def.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(caller.queue.pause({ id: def.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(caller.queue.clear({ id: def.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    const support = await callerWithRoles(t.db, ["client read only"]);
    const seen = (await support.caller.queue.find()).find((q) => q.name === "DEFAULT");
    // Status and counts, but not which nodes poll the queue (qmapping:read).
    expect(seen).toMatchObject({ status: "RUNNING", capacity: 5, mappings: null });
    await expect(support.caller.mapping.find({})).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await t.db.queue.findUniqueOrThrow({ where: { id: def.id } })).description).not.toBe("hacked");
  });
});

describe("mapping router", () => {
  it("maps a queue to a node, edits and removes the mapping, auditing each change", async () => {
    const caller = await admin();
    const q = await caller.queue.create({ name: "mapped" });
    const node1 = await t.db.node.findUniqueOrThrow({ where: { name: "node1" } });
    const m = await caller.mapping.create({ nodeId: node1.id, queueId: q.id, maxThreads: 3 });
    expect(m).toMatchObject({ maxThreads: 3, pollingIntervalMs: 1000, enabled: true });
    expect((await auditOf("qmapping.create", m.id)).after).toMatchObject({ nodeName: "node1", queueName: "mapped", maxThreads: 3 });
    await expect(caller.mapping.create({ nodeId: node1.id, queueId: q.id })).rejects.toMatchObject({ code: "CONFLICT", message: "Node node1 already polls queue mapped" });

    await caller.mapping.update({ id: m.id, maxThreads: 8, pollingIntervalMs: 500 });
    const update = await auditOf("qmapping.update", m.id);
    expect(update).toMatchObject({ objectType: "qmapping", before: { maxThreads: 3, pollingIntervalMs: 1000 }, after: { maxThreads: 8, pollingIntervalMs: 500 } });
    await caller.mapping.update({ id: m.id, enabled: false });
    expect(await auditOf("qmapping.update", m.id)).toMatchObject({ before: { enabled: true }, after: { enabled: false } });

    const listed = await caller.mapping.find({ queueId: q.id });
    expect(listed).toEqual([expect.objectContaining({ id: m.id, nodeName: "node1", queueName: "mapped", maxThreads: 8, pollingIntervalMs: 500, enabled: false, running: 0 })]);
    expect((await caller.mapping.find({ nodeId: node1.id })).map((x) => x.queueName)).toContain("mapped");

    await caller.mapping.delete({ id: m.id });
    expect((await auditOf("qmapping.delete", m.id)).before).toMatchObject({ nodeName: "node1", queueName: "mapped", maxThreads: 8 });
    expect(await caller.mapping.find({ queueId: q.id })).toEqual([]);
    await expect(caller.mapping.delete({ id: m.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("rejects out-of-range threads and polling intervals and unknown nodes or queues", async () => {
    const caller = await admin();
    const q = await caller.queue.create({ name: "ranges" });
    const node1 = await t.db.node.findUniqueOrThrow({ where: { name: "node1" } });
    for (const bad of [{ maxThreads: 0 }, { maxThreads: 1001 }, { maxThreads: 1.5 }, { pollingIntervalMs: 99 }, { pollingIntervalMs: 3_600_001 }]) {
      await expect(caller.mapping.create({ nodeId: node1.id, queueId: q.id, ...bad })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(caller.mapping.create({ nodeId: 999_999, queueId: q.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.mapping.create({ nodeId: node1.id, queueId: 999_999 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const m = await caller.mapping.create({ nodeId: node1.id, queueId: q.id, maxThreads: 1000, pollingIntervalMs: 100 });
    await expect(caller.mapping.update({ id: m.id, maxThreads: 1001 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.mapping.update({ id: 999_999, enabled: true })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("lets a config viewer read mappings but not change them", async () => {
    const { caller } = await callerWithRoles(t.db, ["config viewer"]);
    const [m] = await caller.mapping.find({});
    expect(m).toBeDefined();
    await expect(caller.mapping.update({ id: m!.id, enabled: false })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.mapping.delete({ id: m!.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(caller.mapping.create({ nodeId: m!.nodeId, queueId: m!.queueId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await t.db.queueMapping.findUniqueOrThrow({ where: { id: m!.id } })).enabled).toBe(m!.enabled);
  });
});
