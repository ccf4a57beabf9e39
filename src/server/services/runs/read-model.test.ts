import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { endRun } from "./end-run";
import { enqueueRun } from "./enqueue-run";
import { findHistoryPage } from "./history-page";
import { type RunFilter, findRunAnywhere, findRunNodeName, findRunRecords, getLiveRun, getRunRecord, runExists } from "./read-model";

let t: TestDb;
let live: number;
let ended: number;
const BASE = 700_000;

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  live = (await enqueueRun(t.db, { applicationName: "DemoEcho", keyword2: "blue", user: "ann" })).id;
  ended = (await enqueueRun(t.db, { applicationName: "DemoSleep", keyword1: "blue", user: "ann", parameters: { "1_seconds": "3" } })).id;
  await endRun(t.db, { id: ended, state: "CRASHED", endReason: "exit code 2" });
  await t.db.history.createMany({
    data: [1, 2, 3].map((i) => ({
      id: BASE + i,
      applicationName: i === 3 ? "OtherJob" : "DemoEcho",
      queueName: "DEFAULT",
      nodeName: "node1",
      state: "ENDED" as const,
      parameters: { n: String(i) },
      userName: "bob",
      keyword3: i === 2 ? "blue" : null,
      enqueuedAt: new Date(Date.UTC(2026, 0, i)),
      startedAt: new Date(Date.UTC(2026, 0, i, 1)),
      endedAt: new Date(Date.UTC(2026, 0, i, 2)),
    })),
  });
});
afterAll(() => t.drop());

describe(`runs read model, on ${env.TEST_DB}`, () => {
  it("finds a run in the live table, then in History, saying which", async () => {
    expect(await findRunAnywhere(t.db, live, { live: { state: true }, history: { state: true } })).toEqual({ where: "live", run: { state: "SUBMITTED" } });
    expect(await findRunAnywhere(t.db, ended, { live: { state: true }, history: { endReason: true } })).toEqual({ where: "history", run: { endReason: "exit code 2" } });
    expect(await findRunAnywhere(t.db, 999_999, { live: { id: true }, history: { id: true } })).toBeNull();
    expect([await runExists(t.db, live), await runExists(t.db, BASE + 1), await runExists(t.db, 999_999)]).toEqual([true, true, false]);
    expect([await findRunNodeName(t.db, live), await findRunNodeName(t.db, BASE + 1), await findRunNodeName(t.db, 999_999)]).toEqual([null, "node1", undefined]);
  });

  it("gives a live run, refusing an ended one (CONFLICT) and an unknown one (NOT_FOUND)", async () => {
    expect(await getLiveRun(t.db, live, { priority: true })).toEqual({ priority: 0 });
    await expect(getLiveRun(t.db, ended, { id: true })).rejects.toMatchObject({ code: "CONFLICT", message: `Run ${ended} has already ended (CRASHED)` });
    await expect(getLiveRun(t.db, 999_999, { id: true })).rejects.toMatchObject({ code: "NOT_FOUND", message: "No run with id 999999" });
  });

  it("reads a run from either table as one shape", async () => {
    expect(await getRunRecord(t.db, live)).toMatchObject({
      live: true,
      state: "SUBMITTED",
      applicationName: "DemoEcho",
      queueName: "DEFAULT",
      nodeName: null,
      position: expect.any(Number),
      endedAt: null,
      instruction: "RUN",
      returnCode: null,
      fromSchedule: false,
      keyword2: "blue",
    });
    expect(await getRunRecord(t.db, ended)).toMatchObject({
      live: false,
      state: "CRASHED",
      applicationName: "DemoSleep",
      parameters: { "1_seconds": "3" },
      position: null,
      endedAt: expect.any(Date),
      instruction: null,
      endReason: "exit code 2",
    });
    await expect(getRunRecord(t.db, 999_999)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("lists both tables merged in id order, one filter for both", async () => {
    const ids = async (filter: RunFilter, ascending = false) =>
      (await findRunRecords(t.db, filter, { live: true, history: true, ascending, take: 50 })).map((r) => r.id);
    expect(await ids({ keyword: "blue" })).toEqual([BASE + 2, ended, live]);
    expect(await ids({ keyword: "blue" }, true)).toEqual([live, ended, BASE + 2]);
    // Any of the names and any of the keywords, together.
    expect(await ids({ keyword: "blue", applicationNames: ["DemoE%", "Nope"] })).toEqual([BASE + 2, live]);
    expect(await ids({ states: ["SUBMITTED", "CRASHED"], userName: "ann" })).toEqual([ended, live]);
    expect(await ids({ states: ["RUNNING"] })).toEqual([]);
    // An end date leaves live runs out.
    const endedLately = await ids({ ended: { after: new Date(Date.UTC(2026, 0, 2)) } });
    expect(endedLately).toEqual(expect.arrayContaining([ended, BASE + 3, BASE + 2]));
    expect(endedLately).not.toContain(live);
    expect(await ids({ started: { before: new Date(Date.UTC(2026, 0, 2, 12)) } })).toEqual([BASE + 2, BASE + 1]);
    const page = await findRunRecords(t.db, { userName: "bob" }, { live: true, history: true, ascending: false, afterId: BASE + 3, take: 1 });
    expect(page.map((r) => r.id)).toEqual([BASE + 2]);
  });

  it("pages History for the console list with the same filter and the same rows", async () => {
    const filters: RunFilter[] = [
      { userName: "bob" },
      { applicationNames: ["DemoEcho", "Other%"] },
      { keyword: "blue" },
      { keyword3: "blue" },
      { states: ["ENDED"], enqueued: { after: new Date(Date.UTC(2026, 0, 2)) } },
      { started: { after: new Date(Date.UTC(2026, 0, 2)) }, ended: { before: new Date(Date.UTC(2026, 0, 2, 3)) } },
    ];
    for (const filter of filters) {
      const records = await findRunRecords(t.db, filter, { live: false, history: true, ascending: false, take: 50 });
      const page = await findHistoryPage(t.db, filter, { byEnd: false, desc: true, take: 50 });
      expect(page.map((r) => r.id), JSON.stringify(filter)).toEqual(records.map((r) => r.id));
    }
  });
});
