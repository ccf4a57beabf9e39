import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { Poller } from "./poller";

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

describe("Poller", () => {
  it("fills its free slots, never runs more than maxThreads, and refills a slot as soon as a run ends", async () => {
    const ids: number[] = [];
    for (let i = 0; i < 23; i++) ids.push((await enqueueRun(t.db, { applicationName: "DemoEcho" })).id);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const poller: Poller = new Poller(
      {
        db: t.db,
        nodeId,
        log: pino({ level: "silent" }),
        claimToken: () => 0,
        async runClaimed(runs, _token, onEnded) {
          await Promise.all(
            runs.map(async ({ id }) => {
              started.push(id);
              peak = Math.max(peak, ++active);
              await new Promise((r) => setTimeout(r, 20 + (id % 3) * 10));
              await t.db.jobInstance.delete({ where: { id } });
              active--;
              onEnded(id);
            }),
          );
        },
      },
      // A long polling interval: only the wake-up of an ending run can start the next ones in time.
      { id: 1, queueId, queueName: "DEFAULT", maxThreads: 4, pollingIntervalMs: 60_000, enabled: true },
    );
    poller.start();
    const deadline = Date.now() + 20_000;
    while (started.length < ids.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    while (active > 0) await new Promise((r) => setTimeout(r, 10));
    await poller.stop();
    expect([...started].sort((a, b) => a - b)).toEqual(ids);
    expect(peak).toBe(4);
  });
});
