import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { endRun, endRuns } from "./end-run";
import { enqueueRun } from "./enqueue-run";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

describe("endRun", () => {
  it("ends a run exactly once when two writers end it at the same moment (owner and recovery)", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await enqueueRun(t.db, { applicationName: "DemoEcho" })).id);
    const results = await Promise.all(
      ids.flatMap((id) => [
        endRun(t.db, { id, state: "ENDED", returnCode: 0 }),
        endRun(t.db, { id, state: "CRASHED", endReason: "node n8 declared dead by n10" }),
      ]),
    );
    for (let i = 0; i < ids.length; i++) expect([results[2 * i], results[2 * i + 1]].filter(Boolean)).toHaveLength(1);
    expect(await t.db.history.count({ where: { id: { in: ids } } })).toBe(ids.length);
    expect(await t.db.jobInstance.count({ where: { id: { in: ids } } })).toBe(0);
  });
});

describe("endRuns", () => {
  it("writes many ends in one transaction, each once, with its own return code and reason; skips those whose guard no longer holds", async () => {
    const node = await t.db.node.findFirstOrThrow();
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) ids.push((await enqueueRun(t.db, { applicationName: "DemoEcho" })).id);
    await t.db.jobInstance.updateMany({ where: { id: { in: ids } }, data: { state: "RUNNING", nodeId: node.id, fencingToken: 3 } });
    // Taken over meanwhile: another claim.
    await t.db.jobInstance.update({ where: { id: ids[5] }, data: { fencingToken: 4 } });
    const claim = { nodeId: node.id, token: 3 };
    const written = await endRuns(t.db, [
      ...ids.slice(0, 3).map((id, i) => ({ id, state: "ENDED" as const, returnCode: 0, endReason: null, claim, deliverables: i === 0 ? [deliverable(id)] : [] })),
      { id: ids[3]!, state: "CRASHED", returnCode: 2, endReason: "exit code 2", claim },
      { id: ids[4]!, state: "CRASHED", returnCode: null, endReason: "killed by alice", claim },
      { id: ids[5]!, state: "ENDED", returnCode: 0, claim },
    ]);
    expect([...written].sort((a, b) => a - b)).toEqual(ids.slice(0, 5));
    const history = await t.db.history.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } });
    expect(history.map((h) => [h.state, h.returnCode, h.endReason, h.nodeName, h.applicationName])).toEqual([
      ["ENDED", 0, null, node.name, "DemoEcho"],
      ["ENDED", 0, null, node.name, "DemoEcho"],
      ["ENDED", 0, null, node.name, "DemoEcho"],
      ["CRASHED", 2, "exit code 2", node.name, "DemoEcho"],
      ["CRASHED", null, "killed by alice", node.name, "DemoEcho"],
    ]);
    expect(await t.db.jobInstance.findMany({ where: { id: { in: ids } }, select: { id: true, state: true } })).toEqual([{ id: ids[5], state: "RUNNING" }]);
    expect(await t.db.deliverable.count({ where: { jobInstanceId: ids[0] } })).toBe(1);
    expect((await t.db.message.findMany({ where: { jobInstanceId: { in: ids } }, orderBy: { jobInstanceId: "asc" } })).map((m) => m.text)).toEqual([
      "Status changed: CRASHED due to exit code 2",
      "Status changed: CRASHED due to killed by alice",
    ]);
    expect(await endRuns(t.db, [{ id: ids[0]!, state: "CRASHED", endReason: "late" }])).toEqual(new Set());
  });

  it("records when a run ended as the instant it ended, whatever the node's time zone", async () => {
    vi.stubEnv("TZ", "Asia/Tokyo");
    try {
      const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho" });
      const before = Date.now();
      expect(await endRun(t.db, { id, state: "CRASHED", endReason: "exit code 1", deliverables: [deliverable(id)] })).toBe(true);
      const after = Date.now();
      const times = [
        (await t.db.history.findUniqueOrThrow({ where: { id } })).endedAt,
        (await t.db.message.findFirstOrThrow({ where: { jobInstanceId: id } })).createdAt,
        (await t.db.deliverable.findFirstOrThrow({ where: { jobInstanceId: id } })).createdAt,
      ];
      for (const time of times) {
        expect(time!.getTime()).toBeGreaterThanOrEqual(before - 1);
        expect(time!.getTime()).toBeLessThanOrEqual(after + 1);
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

const deliverable = (jobInstanceId: number) => ({
  jobInstanceId,
  nodeName: "n",
  originalName: "out.txt",
  storedPath: `${jobInstanceId}/out.txt`,
  size: 1,
  sha256: "0".repeat(64),
  downloadId: `${jobInstanceId}`.padStart(32, "0"),
});
