import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { EndWriter } from "./end-writer";

let t: TestDb;
let nodeId: number;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  nodeId = (await t.db.node.findFirstOrThrow()).id;
});
afterAll(() => t.drop());

async function runningRuns(n: number) {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await enqueueRun(t.db, { applicationName: "DemoEcho" })).id);
  await t.db.jobInstance.updateMany({ where: { id: { in: ids } }, data: { state: "RUNNING", nodeId, fencingToken: 0 } });
  return ids;
}

describe("EndWriter", () => {
  it("writes ends that arrive together in few transactions, each end once", async () => {
    const ids = await runningRuns(40);
    const writer = new EndWriter(t.db);
    const claim = { nodeId, token: 0 };
    const results = await Promise.all(ids.map((id) => writer.write({ id, state: "ENDED", returnCode: 0, claim })));
    expect(results.every(Boolean)).toBe(true);
    expect(writer.transactions).toBeLessThan(ids.length / 4);
    expect(await t.db.history.count({ where: { id: { in: ids }, state: "ENDED" } })).toBe(ids.length);
    expect(await t.db.jobInstance.count({ where: { id: { in: ids } } })).toBe(0);
    expect(await writer.write({ id: ids[0]!, state: "ENDED", returnCode: 0, claim })).toBe(false);
  });

  it("writes the other ends of a batch the database refuses, and reports the bad one's error", async () => {
    const ids = await runningRuns(5);
    const writer = new EndWriter(t.db);
    const claim = { nodeId, token: 0 };
    const file = { nodeName: "n", originalName: "a", storedPath: "a", size: 1, sha256: "0".repeat(64), downloadId: "f".repeat(32) };
    const results = await Promise.allSettled(
      ids.map((id, i) => writer.write({ id, state: "ENDED", returnCode: 0, claim, deliverables: i === 2 ? [{ ...file, jobInstanceId: id }, { ...file, jobInstanceId: id }] : [] })),
    );
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(await t.db.history.count({ where: { id: { in: ids } } })).toBe(4);
    expect(await t.db.jobInstance.findMany({ where: { id: { in: ids } }, select: { id: true, state: true } })).toEqual([{ id: ids[2], state: "RUNNING" }]);
  });
});
