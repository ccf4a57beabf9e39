import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Node } from "~/generated/sqlite/client";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createNode } from "~/server/services/nodes/create-node";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { runLogFiles } from "~/server/services/runs/run-paths";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { type ClaimedRun, claimRuns, startRuns } from "./claim";
import { endRun } from "~/server/services/runs/end-run";
import { waitFor } from "~/test/node-process";
import { type LaunchOptions, abandonClaim, endUnstarted, launchRun } from "./job-launcher";
import { workerPool } from "./runners/node-runner";

let t: TestDb;
let queueId: number;
let node: Node;
let opts: LaunchOptions;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  queueId = (await t.db.queue.findFirstOrThrow({ where: { isDefault: true } })).id;
  node = await createNode(t.db, { actor: SYSTEM_ACTOR, name: `launcher-${t.provider}-${process.pid}`, port: 0 });
  mkdirSync(node.jobsDir, { recursive: true });
  writeFileSync(join(node.jobsDir, "hello.mjs"), `export async function run(ctx) { console.log("hello " + ctx.id); }`);
  await t.db.jobDef.create({ data: { applicationName: "LaunchHello", payloadType: "node", path: "hello.mjs", queueId, parameters: {} } });
  opts = { db: t.db, node, log: pino({ level: "silent" }), killGraceMs: 1000, localApiUrl: null, baseEnv: {} };
});
afterAll(async () => {
  await workerPool.close();
  await t.drop();
});

const claim = () => ({ nodeId: node.id, token: 0 });

async function claimOne(applicationName = "LaunchHello"): Promise<ClaimedRun> {
  const { id } = await enqueueRun(t.db, { applicationName });
  const claimed = await claimRuns(t.db, { queueId, nodeId: node.id, token: 0, max: 1 });
  expect(claimed.map((r) => r.id)).toEqual([id]);
  return claimed[0]!;
}

/** Claims a run and starts it (ATTRIBUTED → RUNNING), as a poller does. */
async function startOne(applicationName?: string): Promise<ClaimedRun> {
  const run = await claimOne(applicationName);
  expect(await startRuns(t.db, [run.id], claim())).toEqual(new Set([run.id]));
  return run;
}

describe("launchRun", () => {
  it("claims a run with what its launch needs, starts it (RUNNING, with its start time), then moves it to History when it ends", async () => {
    const run = await claimOne();
    const { id } = run;
    expect(run).toMatchObject({ queueName: "DEFAULT", parameters: {}, jobDef: { applicationName: "LaunchHello", payloadType: "node", path: "hello.mjs" } });
    expect(await t.db.jobInstance.findUnique({ where: { id } })).toMatchObject({ state: "ATTRIBUTED", startedAt: null });
    expect(await startRuns(t.db, [id], claim())).toEqual(new Set([id]));
    expect(await t.db.jobInstance.findUnique({ where: { id } })).toMatchObject({ state: "RUNNING" });
    const job = await launchRun(opts, run, claim());
    expect(await job.done).toBe("ENDED");
    const h = await t.db.history.findUniqueOrThrow({ where: { id } });
    expect(h).toMatchObject({ state: "ENDED", returnCode: 0, nodeName: node.name, applicationName: "LaunchHello" });
    expect(h.startedAt!.getTime()).toBeGreaterThanOrEqual(h.attributedAt!.getTime());
    expect(readFileSync(runLogFiles(node.logDir, id).stdout, "utf8")).toBe(`hello ${id}\n`);
  });

  it("does not start a run killed before it started: it ends CRASHED naming who killed it, never RUNNING", async () => {
    const { id } = await claimOne();
    await t.db.jobInstance.update({ where: { id }, data: { instruction: "KILL", instructedBy: "alice" } });
    expect(await startRuns(t.db, [id], claim())).toEqual(new Set());
    await endUnstarted(t.db, id, claim());
    const h = await t.db.history.findUniqueOrThrow({ where: { id } });
    expect(h).toMatchObject({ state: "CRASHED", endReason: "killed by alice before it started", startedAt: null });
  });

  it("leaves alone a run that is not, or no longer, attributed to this node", async () => {
    const { id } = await claimOne();
    await t.db.jobInstance.update({ where: { id }, data: { state: "SUBMITTED", nodeId: null } });
    expect(await startRuns(t.db, [id, 999_999], claim())).toEqual(new Set());
    await endUnstarted(t.db, id, claim());
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "SUBMITTED", startedAt: null });
  });

  it("fences a run taken from this node: the payload's writes are refused and its end becomes a message, not a second end", async () => {
    const go = join(node.jobsDir, "go");
    writeFileSync(
      join(node.jobsDir, "slow.mjs"),
      `import { existsSync } from "node:fs";
       export async function run(ctx) {
         await ctx.sendProgress(10);
         while (!existsSync(${JSON.stringify(go)})) await new Promise((r) => setTimeout(r, 20));
         try { await ctx.sendMessage("after the take-over"); } catch (err) { console.log("refused: " + err.message); }
       }`,
    );
    await t.db.jobDef.create({ data: { applicationName: "LaunchSlow", payloadType: "node", path: "slow.mjs", queueId, parameters: {} } });
    await t.db.jobInstance.deleteMany({ where: { state: "SUBMITTED" } });
    const run = await startOne("LaunchSlow");
    const { id } = run;
    const job = await launchRun(opts, run, claim());
    await waitFor("progress", async () => (await t.db.jobInstance.findUnique({ where: { id } }))?.progress === 10);

    // Another node declares this one dead and ends the run with the stale claim.
    expect(await endRun(t.db, { id, state: "CRASHED", endReason: "declared dead by n10", fromStates: ["RUNNING"], claim: { nodeId: node.id, token: 0 } })).toBe(true);
    writeFileSync(go, "");
    expect(await job.done).toBe("TAKEN OVER");

    expect(await t.db.history.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "CRASHED", endReason: "declared dead by n10" });
    const messages = (await t.db.message.findMany({ where: { jobInstanceId: id }, orderBy: { id: "asc" } })).map((m) => m.text);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toBe("Status changed: CRASHED due to declared dead by n10");
    expect(messages[1]).toMatch(new RegExp(`^Node ${node.name} also ended this run at .*: ENDED\\. That end was not recorded`));
    expect(readFileSync(runLogFiles(node.logDir, id).stdout, "utf8")).toBe(`refused: run ${id} is no longer this node's: it was taken over\n`);
  });

  it.each([
    ["node", "LaunchHello"],
    ["exec", "LaunchEcho"],
  ])("ends a run (%s payload) whose log cannot be written CRASHED saying why, and the node lives on", async (_type, applicationName) => {
    if (!(await t.db.jobDef.findUnique({ where: { applicationName: "LaunchEcho" } }))) {
      await t.db.jobDef.create({ data: { applicationName: "LaunchEcho", payloadType: "exec", path: "/bin/echo", queueId, parameters: { text: "hello" } } });
    }
    await t.db.jobInstance.deleteMany({ where: { state: "SUBMITTED" } });
    const run = await startOne(applicationName);
    // What a full disk or a log dir the node may not write looks like to the node: every write fails.
    mkdirSync(runLogFiles(node.logDir, run.id).stdout, { recursive: true });
    const job = await launchRun(opts, run, claim());
    expect(await job.done).toBe("CRASHED");
    expect(await t.db.history.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ state: "CRASHED", endReason: "could not write its log: EISDIR" });
  });

  it("gives back a claimed run it could not start: to its queue before RUNNING, CRASHED after; never left in limbo", async () => {
    await t.db.jobInstance.deleteMany({ where: { state: "SUBMITTED" } });
    const { id } = await claimOne();
    await abandonClaim(t.db, id, { nodeId: node.id, token: 0 }, "Connection terminated");
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "SUBMITTED", nodeId: null, fencingToken: null });
    expect((await claimRuns(t.db, { queueId, nodeId: node.id, token: 0, max: 1 })).map((r) => r.id)).toEqual([id]);
    await t.db.jobInstance.update({ where: { id }, data: { state: "RUNNING" } });
    await abandonClaim(t.db, id, { nodeId: node.id, token: 0 }, "EACCES");
    expect(await t.db.history.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "CRASHED", endReason: "could not start: EACCES" });
  });
});
