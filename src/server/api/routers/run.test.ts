import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initDatabase } from "~/server/services/setup/init-database";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { runLogFiles, safeFileName } from "~/server/services/runs/run-paths";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

/** Inserts ended runs straight into History (ids far above the live ones). */
async function insertHistory(count: number, firstId: number, data: Partial<{ applicationName: string; state: "ENDED" | "CRASHED" | "CANCELLED"; userName: string; keyword2: string; endedAt: Date }> = {}) {
  await t.db.history.createMany({
    data: Array.from({ length: count }, (_, i) => ({
      id: firstId + i,
      applicationName: data.applicationName ?? "DemoEcho",
      queueName: "DEFAULT",
      nodeName: "node1",
      state: data.state ?? "ENDED",
      parameters: {},
      userName: data.userName ?? null,
      keyword2: data.keyword2 ?? null,
      enqueuedAt: new Date(Date.UTC(2026, 0, 1)),
      endedAt: data.endedAt ?? new Date(Date.UTC(2026, 0, 2)),
    })),
  });
}

describe("run router", () => {
  it("lets client read only find and get runs but neither kill nor launch them", async () => {
    const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho", parameters: { a: "1" }, keyword1: "kw" });
    const reader = await callerWithRoles(t.db, ["client read only"]);
    const active = await reader.caller.run.find({ tab: "active" });
    expect(active.items.map((r) => r.id)).toContain(id);
    const run = await reader.caller.run.get({ id });
    expect(run).toMatchObject({ id, live: true, state: "SUBMITTED", applicationName: "DemoEcho", queueName: "DEFAULT", parameters: { a: "1" } });
    expect(run.tags.keyword1).toBe("kw");
    await expect(reader.caller.run.kill({ ids: [id] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(reader.caller.run.enqueue({ applicationName: "DemoEcho" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(reader.caller.run.get({ id: 999_999 })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const nobody = await callerWithRoles(t.db, []);
    await expect(nobody.caller.run.find({ tab: "active" })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("launches a run for its caller and lists the job definitions", async () => {
    const client = await callerWithRoles(t.db, ["client"]);
    expect((await client.caller.run.jobDefNames()).map((j) => j.applicationName)).toEqual(["DemoEcho", "DemoReport", "DemoSleep"]);
    const { id } = await client.caller.run.enqueue({ applicationName: "DemoSleep", parameters: { "1_seconds": "5" } });
    const run = await client.caller.run.get({ id });
    expect(run.parameters).toEqual({ "1_seconds": "5" });
    expect(run.tags.user).toBe(client.principal.login);
    await expect(client.caller.run.enqueue({ applicationName: "Nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("filters History by application, state, user, keyword and end date", async () => {
    await insertHistory(3, 10_000, { applicationName: "DemoReport", userName: "alice", keyword2: "nightly" });
    await insertHistory(2, 10_100, { applicationName: "DemoEcho", state: "CRASHED", endedAt: new Date(Date.UTC(2026, 5, 1)) });
    const reader = await callerWithRoles(t.db, ["client read only"]);
    const ids = async (input: Parameters<typeof reader.caller.run.find>[0]) => (await reader.caller.run.find(input)).items.map((r) => r.id);

    expect(await ids({ tab: "history", applicationName: "DemoReport" })).toEqual([10_002, 10_001, 10_000]);
    expect(await ids({ tab: "history", applicationName: "Demo%" })).toHaveLength(5);
    expect(await ids({ tab: "history", state: ["CRASHED"] })).toEqual([10_101, 10_100]);
    expect(await ids({ tab: "history", state: ["RUNNING"] })).toEqual([]);
    expect(await ids({ tab: "history", user: "alice", keyword: "nightly" })).toHaveLength(3);
    expect(await ids({ tab: "history", keyword: "nope" })).toEqual([]);
    expect(await ids({ tab: "history", endedAfter: new Date(Date.UTC(2026, 4, 1)) })).toEqual([10_101, 10_100]);
    expect(await ids({ tab: "history", id: 10_001 })).toEqual([10_001]);
    // Ended runs are never in the Active tab, and an end-date filter empties it.
    expect(await ids({ tab: "active", applicationName: "DemoReport" })).toEqual([]);
    expect(await ids({ tab: "active", endedAfter: new Date(0) })).toEqual([]);
    await expect(reader.caller.run.find({ tab: "history", endedAfter: new Date(2), endedBefore: new Date(1) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("matches History text filters exactly, or as LIKE patterns where % is the only wildcard", async () => {
    await insertHistory(1, 40_000, { applicationName: "Nightly_Report" });
    await insertHistory(1, 40_001, { applicationName: "NightlyXReport" });
    await insertHistory(1, 40_002, { applicationName: "Report's \"quoted\"; DROP TABLE History" });
    const reader = await callerWithRoles(t.db, ["client read only"]);
    const ids = async (applicationName: string) => (await reader.caller.run.find({ tab: "history", applicationName })).items.map((r) => r.id);
    expect(await ids("Nightly_Report")).toEqual([40_000]);
    expect(await ids("Nightly_%")).toEqual([40_000]);
    expect(await ids("%ly_Rep%")).toEqual([40_000]);
    expect(await ids("Nightly%Report")).toEqual([40_001, 40_000]);
    expect(await ids("Report's \"quoted\"; DROP TABLE History")).toEqual([40_002]);
    expect(await ids("%'; DROP TABLE History; --%")).toEqual([]);
    expect(await t.db.history.count({ where: { id: { gte: 40_000, lte: 40_002 } } })).toBe(3);
  });

  it("pages through more History rows than one page holds, by id, without gaps or repeats", async () => {
    await insertHistory(205, 20_000, { applicationName: "Paged" });
    const reader = await callerWithRoles(t.db, ["client read only"]);
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await reader.caller.run.find({ tab: "history", applicationName: "Paged", limit: 60, cursor });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(seen).toHaveLength(205);
    expect(new Set(seen).size).toBe(205);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(seen[0]).toBe(20_204);
    await expect(reader.caller.run.find({ tab: "history", limit: 201 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("sorts History oldest first or by end time, paging by keyset across equal end times", async () => {
    // Ids in enqueue order, end times in another order, with ties: 30_000..30_009 end on 5 distinct dates.
    await t.db.history.createMany({
      data: Array.from({ length: 10 }, (_, i) => ({
        id: 30_000 + i,
        applicationName: "Sorted",
        queueName: "DEFAULT",
        state: "ENDED" as const,
        parameters: {},
        enqueuedAt: new Date(Date.UTC(2026, 0, 1)),
        endedAt: new Date(Date.UTC(2026, 2, 10 - Math.floor(i / 2))),
      })),
    });
    const reader = await callerWithRoles(t.db, ["client read only"]);
    const all = async (sort: "newest" | "oldest" | "endedLatest" | "endedEarliest") => {
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await reader.caller.run.find({ tab: "history", applicationName: "Sorted", sort, limit: 3, cursor });
        seen.push(...page.items.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    const ids = Array.from({ length: 10 }, (_, i) => 30_000 + i);
    expect(await all("newest")).toEqual([...ids].reverse());
    expect(await all("oldest")).toEqual(ids);
    // Latest end first: 30_000/30_001 ended last; ties by id, descending.
    expect(await all("endedLatest")).toEqual([30_001, 30_000, 30_003, 30_002, 30_005, 30_004, 30_007, 30_006, 30_009, 30_008]);
    expect(await all("endedEarliest")).toEqual([30_008, 30_009, 30_006, 30_007, 30_004, 30_005, 30_002, 30_003, 30_000, 30_001]);
    await expect(reader.caller.run.find({ tab: "active", sort: "endedLatest" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(reader.caller.run.find({ tab: "history", sort: "endedLatest", cursor: "123" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(reader.caller.run.find({ tab: "history", cursor: "x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("caps bulk actions at 100 runs", async () => {
    const client = await callerWithRoles(t.db, ["client"]);
    const ids = Array.from({ length: 101 }, (_, i) => i + 1);
    await expect(client.caller.run.cancel({ ids })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(client.caller.run.kill({ ids: [] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("reports each run's result so one failure hides nothing", async () => {
    const client = await callerWithRoles(t.db, ["client"]);
    const a = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    const b = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    const results = await client.caller.run.pause({ ids: [a.id, 999_998, b.id] });
    expect(results).toEqual([
      { id: a.id, ok: true },
      { id: 999_998, ok: false, error: "No run with id 999998" },
      { id: b.id, ok: true },
    ]);
    expect((await client.caller.run.resume({ ids: [a.id] }))[0]).toMatchObject({ ok: true });
    // b is HOLDED: it cannot be killed (not running), but it can be cancelled.
    expect((await client.caller.run.kill({ ids: [b.id] }))[0]).toMatchObject({ ok: false, error: expect.stringContaining("HOLDED") });
    expect(await client.caller.run.cancel({ ids: [b.id] })).toEqual([{ id: b.id, ok: true }]);
    expect((await client.caller.run.get({ id: b.id })).state).toBe("CANCELLED");
    expect(await t.db.auditEvent.count({ where: { action: "job_instance.cancel", objectId: String(b.id), login: client.principal.login } })).toBe(1);

    const relaunched = await client.caller.run.relaunch({ ids: [b.id] });
    expect(relaunched[0]).toMatchObject({ id: b.id, ok: true, newId: expect.any(Number) });
    const restarted = await client.caller.run.restart({ ids: [b.id] });
    expect(restarted[0]).toMatchObject({ ok: false, error: expect.stringContaining("only crashed runs") });

    expect(await client.caller.run.setPriority({ ids: [a.id], priority: 7 })).toEqual([{ id: a.id, ok: true }]);
    expect((await client.caller.run.get({ id: a.id })).priority).toBe(7);
  });

  it("moves waiting runs to another queue with queue_position:create, audited, and says which could not move", async () => {
    await t.db.queue.create({ data: { name: "SLOW" } });
    const waiting = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    const client = await callerWithRoles(t.db, ["client"]);
    await expect(client.caller.run.setQueue({ ids: [waiting.id], queueName: "SLOW" })).rejects.toMatchObject({ code: "FORBIDDEN" });

    const power = await callerWithRoles(t.db, ["client power user"]);
    expect(await power.caller.run.setQueue({ ids: [waiting.id], queueName: "SLOW" })).toEqual([{ id: waiting.id, ok: true }]);
    expect((await power.caller.run.get({ id: waiting.id })).queueName).toBe("SLOW");
    expect(await t.db.auditEvent.findFirst({ where: { action: "job_instance.queue", objectId: String(waiting.id), login: power.principal.login } })).not.toBeNull();

    const [missing] = await power.caller.run.setQueue({ ids: [waiting.id], queueName: "NOPE" });
    expect(missing).toMatchObject({ ok: false, error: "No queue named NOPE" });
    await expect(power.caller.run.setQueue({ ids: [waiting.id], queueName: " " })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("shows the parent and children of a run", async () => {
    const parent = await enqueueRun(t.db, { applicationName: "DemoEcho" });
    const child = await enqueueRun(t.db, { applicationName: "DemoEcho", parentId: parent.id });
    const reader = await callerWithRoles(t.db, ["client read only"]);
    const p = await reader.caller.run.get({ id: parent.id });
    expect(p.children).toEqual([{ id: child.id, state: "SUBMITTED", applicationName: "DemoEcho" }]);
    expect(p.moreChildren).toBe(false);
    expect((await reader.caller.run.get({ id: child.id })).parent).toEqual({ id: parent.id, state: "SUBMITTED", applicationName: "DemoEcho" });
    expect(await reader.caller.run.find({ tab: "active", parentId: parent.id })).toMatchObject({ items: [{ id: child.id }], nextCursor: null });
  });
});

describe("download helpers", () => {
  it("locate JQM's 10-digit log files and never let a job's file name become a path", () => {
    expect(runLogFiles("/var/log/jw", 42)).toEqual({ stdout: "/var/log/jw/0000000042.stdout.log", stderr: "/var/log/jw/0000000042.stderr.log" });
    expect(safeFileName("../../etc/passwd", "f")).toBe("_.._etc_passwd");
    expect(safeFileName("a\\b/c\u0000d", "f")).toBe("a_b_c_d");
    expect(safeFileName("...hidden", "f")).toBe("hidden");
    expect(safeFileName("", "fallback")).toBe("fallback");
    expect(safeFileName("x".repeat(300), "f")).toHaveLength(150);
  });
});
