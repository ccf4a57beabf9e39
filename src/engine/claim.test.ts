import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initDatabase } from "~/server/services/setup/init-database";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { type TestDb, createTestDb } from "~/test/test-db";
import { claimRuns as claimRunsWithData } from "./claim";

const claimRuns = async (...args: Parameters<typeof claimRunsWithData>) => (await claimRunsWithData(...args)).map((r) => r.id);

let t: TestDb;
let queueId: number;
let nodeId: number;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  queueId = (await t.db.queue.findFirstOrThrow({ where: { isDefault: true } })).id;
  nodeId = (await t.db.node.findFirstOrThrow()).id;
});
afterAll(() => t.drop());

describe("claimRuns", () => {
  it("takes higher priority first, then FIFO, never more than asked, and attributes them to the node", async () => {
    const low1 = await enqueueRun(t.db, { applicationName: "DemoEcho", priority: 0 });
    const low2 = await enqueueRun(t.db, { applicationName: "DemoEcho", priority: 0 });
    const high = await enqueueRun(t.db, { applicationName: "DemoEcho", priority: 5 });
    expect(await claimRuns(t.db, { queueId, nodeId, token: 0, max: 2 })).toEqual([high.id, low1.id]);
    const claimed = await t.db.jobInstance.findUniqueOrThrow({ where: { id: high.id } });
    expect(claimed).toMatchObject({ state: "ATTRIBUTED", nodeId, fencingToken: 0 });
    expect(Math.abs(claimed.attributedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    expect(await claimRuns(t.db, { queueId, nodeId, token: 0, max: 5 })).toEqual([low2.id]);
    expect(await claimRuns(t.db, { queueId, nodeId, token: 0, max: 5 })).toEqual([]);
  });

  it("never claims the same run twice, even when asked concurrently", async () => {
    const ids = [];
    for (let i = 0; i < 20; i++) ids.push((await enqueueRun(t.db, { applicationName: "DemoEcho" })).id);
    const claims = await Promise.all([1, 2, 3, 4].map(() => claimRuns(t.db, { queueId, nodeId, token: 0, max: 10 })));
    const all = claims.flat();
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort((a, b) => a - b)).toEqual(ids);
  });

  it("skips a highlander definition while one of its runs is active", async () => {
    await t.db.jobDef.update({ where: { applicationName: "DemoReport" }, data: { highlander: true } });
    const first = await enqueueRun(t.db, { applicationName: "DemoReport" });
    expect(await claimRuns(t.db, { queueId, nodeId, token: 0, max: 5 })).toEqual([first.id]);
    const second = await enqueueRun(t.db, { applicationName: "DemoReport" });
    expect(await claimRuns(t.db, { queueId, nodeId, token: 0, max: 5 })).toEqual([]);
    await t.db.jobInstance.delete({ where: { id: first.id } });
    expect(await claimRuns(t.db, { queueId, nodeId, token: 0, max: 5 })).toEqual([second.id]);
  });

  it("claims nothing for a node whose incarnation moved on (declared dead or started elsewhere)", async () => {
    const run = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    await t.db.node.update({ where: { id: nodeId }, data: { incarnation: 1 } });
    expect(await claimRuns(t.db, { queueId, nodeId, token: 0, max: 5 })).toEqual([]);
    expect(await claimRuns(t.db, { queueId, nodeId, token: 1, max: 5 })).toEqual([run.id]);
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ fencingToken: 1 });
  });
});
