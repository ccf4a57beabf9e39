import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { createMapping, findMappings, setMappingEnabled } from "./mappings";
import { findQueueSummaries } from "./console-mapping";
import { getQueueStatus } from "./jqm-mapping";
import { createQueue, deleteQueue, updateQueue } from "./queues";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

const actor = SYSTEM_ACTOR;

describe("queue services", () => {
  it("keeps one default queue when several changes race", async () => {
    const names = ["race1", "race2", "race3", "race4"];
    const queues = [];
    for (const name of names) queues.push(await createQueue(t.db, { actor, name }));
    const results = await Promise.allSettled(queues.map((q) => updateQueue(t.db, { actor, id: q.id, isDefault: true })));
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await t.db.queue.count({ where: { isDefault: true } })).toBe(1);

    const created = await Promise.allSettled(["race5", "race6"].map((name) => createQueue(t.db, { actor, name, isDefault: true })));
    expect(created.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await t.db.queue.count({ where: { isDefault: true } })).toBe(1);
  });

  it("makes the first queue of an empty cluster the default one", async () => {
    const other = await createTestDb();
    try {
      const q = await createQueue(other.db, { actor, name: "first" });
      expect(q.isDefault).toBe(true);
      await expect(deleteQueue(other.db, { actor, id: q.id })).rejects.toMatchObject({ code: "CONFLICT" });
    } finally {
      await other.drop();
    }
  });

  it("validates input given by other callers than the routers (CLI, seed)", async () => {
    await expect(createQueue(t.db, { actor, name: "bad name" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const q = await t.db.queue.findFirstOrThrow({ where: { isDefault: true } });
    await expect(updateQueue(t.db, { actor, id: q.id, description: "x".repeat(1001) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    const node = await t.db.node.findFirstOrThrow();
    await expect(createMapping(t.db, { actor, nodeId: node.id, queueId: q.id, maxThreads: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("pauses one mapping with setMappingEnabled (the management API's poller stop), audited", async () => {
    const q = await createQueue(t.db, { actor, name: "single" });
    const node = await t.db.node.findFirstOrThrow({ where: { name: "node1" } });
    const m = await createMapping(t.db, { actor, nodeId: node.id, queueId: q.id, maxThreads: 2 });
    expect(await getQueueStatus(t.db, q.id)).toBe("RUNNING");
    await setMappingEnabled(t.db, { actor, id: m.id, enabled: false });
    expect(await getQueueStatus(t.db, q.id)).toBe("PAUSED");
    expect((await findMappings(t.db, { queueId: q.id }))[0]).toMatchObject({ enabled: false, nodeName: "node1" });
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { action: "qmapping.update", objectId: String(m.id) } });
    expect(event).toMatchObject({ before: { enabled: true }, after: { enabled: false } });
    const [summary] = await findQueueSummaries(t.db, { id: q.id });
    expect(summary).toMatchObject({ status: "PAUSED", capacity: 0 });
  });
});
