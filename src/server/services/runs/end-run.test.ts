import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { endRun } from "./end-run";
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
