import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createNode } from "~/server/services/nodes/create-node";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { declareDeadNodes } from "./recovery";

let t: TestDb;
const log = pino({ level: "silent" });
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

async function nodeWithRuns(name: string, silentForMs: number) {
  const node = await createNode(t.db, { actor: SYSTEM_ACTOR, name, port: 0 });
  await t.db.node.update({ where: { id: node.id }, data: { heartbeatMs: 300, lastSeenAlive: new Date(Date.now() - silentForMs) } });
  const running = await enqueueRun(t.db, { applicationName: "DemoEcho" });
  const claimed = await enqueueRun(t.db, { applicationName: "DemoEcho" });
  await t.db.jobInstance.update({ where: { id: running.id }, data: { state: "RUNNING", nodeId: node.id, fencingToken: 0, startedAt: new Date() } });
  await t.db.jobInstance.update({ where: { id: claimed.id }, data: { state: "ATTRIBUTED", nodeId: node.id, fencingToken: 0 } });
  return { node, running: running.id, claimed: claimed.id };
}

describe("declareDeadNodes", () => {
  it("declares dead a node silent past the default threshold: raises its incarnation, crashes its running runs, requeues the others, audits", async () => {
    const judge = await createNode(t.db, { actor: SYSTEM_ACTOR, name: "judge", port: 0 });
    const late = await nodeWithRuns("late", 60_000);
    const dead = await nodeWithRuns("dead", 600_000);

    // A judge that has not itself been beating for the whole threshold proves nothing.
    expect((await declareDeadNodes(t.db, { ...judge, healthyForMs: 1000 }, log)).nodes).toEqual([]);

    const result = await declareDeadNodes(t.db, { ...judge, healthyForMs: 3600_000 }, log);
    expect(result).toMatchObject({ nodes: ["dead"], crashed: [dead.running], resubmitted: [dead.claimed] });
    const node = await t.db.node.findUniqueOrThrow({ where: { id: dead.node.id } });
    expect(node).toMatchObject({ incarnation: 1, declaredDeadBy: "judge" });
    const h = await t.db.history.findUniqueOrThrow({ where: { id: dead.running } });
    expect(h.state).toBe("CRASHED");
    expect(h.endReason).toBe(`node dead was declared dead by judge at ${node.declaredDeadAt!.toISOString()}: no heartbeat since ${node.lastSeenAlive!.toISOString()}`);
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id: dead.claimed } })).toMatchObject({ state: "SUBMITTED", nodeId: null, fencingToken: null });
    expect((await t.db.message.findFirstOrThrow({ where: { jobInstanceId: dead.claimed } })).text).toMatch(/^Back in its queue before it started: node dead was declared dead/);
    expect(await t.db.auditEvent.count({ where: { action: "node.declared_dead", objectId: String(dead.node.id), login: "node judge" } })).toBe(1);

    // 60 s of silence is late, not dead (default 120 s); nothing of its was touched, and a second pass changes nothing.
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id: late.running } })).toMatchObject({ state: "RUNNING", fencingToken: 0 });
    expect((await declareDeadNodes(t.db, { ...judge, healthyForMs: 3600_000 }, log)).nodes).toEqual([]);
  });

  it("judges each node on its own deadAfterSeconds when it has one, else on the global parameter, never below ten heartbeats", async () => {
    const judge = await createNode(t.db, { actor: SYSTEM_ACTOR, name: "judge2", port: 0 });
    const patient = await nodeWithRuns("patient", 600_000);
    const strict = await nodeWithRuns("strict", 30_000);
    const floored = await nodeWithRuns("floored", 2_000);
    await t.db.node.update({ where: { id: patient.node.id }, data: { deadAfterSeconds: 3600 } });
    await t.db.node.update({ where: { id: strict.node.id }, data: { deadAfterSeconds: 20 } });
    await t.db.node.update({ where: { id: floored.node.id }, data: { deadAfterSeconds: 1 } }); // floor: 10 × 300 ms

    const result = await declareDeadNodes(t.db, { ...judge, healthyForMs: 7200_000 }, log);
    expect(result.nodes).toEqual(["strict"]);
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id: patient.running } })).toMatchObject({ state: "RUNNING" });
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id: floored.running } })).toMatchObject({ state: "RUNNING" });
    // The judge must itself have been beating for the judged node's own threshold.
    await t.db.node.update({ where: { id: patient.node.id }, data: { deadAfterSeconds: null } });
    expect((await declareDeadNodes(t.db, { ...judge, healthyForMs: 60_000 }, log)).nodes).toEqual([]);
    expect((await declareDeadNodes(t.db, { ...judge, healthyForMs: 7200_000 }, log)).nodes).toEqual(["patient"]);
  });
});
