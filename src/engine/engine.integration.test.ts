import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createNode } from "~/server/services/nodes/create-node";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { killRun } from "~/server/services/runs/instruct-run";
import { initDatabase } from "~/server/services/setup/init-database";
import { type NodeProcess, startNodeProcess, stopNodeProcess, waitFor } from "~/test/node-process";
import { type TestDb, createTestDb } from "~/test/test-db";
import { runLogFiles } from "~/server/services/runs/run-paths";
import { DEAD_AFTER_PARAMETER } from "~/server/domain/parameters";

let t: TestDb;
let queueId: number;
const started: NodeProcess[] = [];
const scratch = join(env.JOBWARDEN_HOME, "scratch");

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  queueId = (await t.db.queue.findFirstOrThrow({ where: { isDefault: true } })).id;
  // The floor applies: a node is dead after 10 of its 300 ms heartbeats.
  await t.db.globalParameter.create({ data: { key: DEAD_AFTER_PARAMETER, value: "1" } });
  mkdirSync(scratch, { recursive: true });
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => stopNodeProcess(p, "SIGKILL")));
});
afterAll(() => t.drop());

let nodeCounter = 0;
async function newNode() {
  const node = await createNode(t.db, { actor: SYSTEM_ACTOR, name: `n${++nodeCounter}-${t.provider}`, port: 0 });
  return node;
}
function start(name: string) {
  const p = startNodeProcess(name, t.url);
  started.push(p);
  return p;
}
async function jobDef(applicationName: string, payloadType: "shell" | "exec" | "node", path: string, extra: { highlander?: boolean } = {}) {
  return t.db.jobDef.create({ data: { applicationName, payloadType, path, queueId, parameters: {}, ...extra } });
}
const ended = (id: number) => waitFor(`run ${id} to end`, () => t.db.history.findUnique({ where: { id } }));
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe(`engine on ${env.TEST_DB}`, () => {
  it("runs shell, exec and node payloads to ENDED or CRASHED with logs, messages, progress and deliverables", async () => {
    const node = await newNode();
    mkdirSync(node.jobsDir, { recursive: true });
    writeFileSync(
      join(node.jobsDir, "payload.mjs"),
      `import { writeFileSync } from "node:fs";
       export async function run(ctx) {
         ctx.log("hello from", ctx.applicationName, ctx.parameters.who);
         await ctx.sendProgress(42);
         await ctx.sendMessage("<b>halfway</b>");
         writeFileSync(ctx.workDir + "/out.json", JSON.stringify({ id: ctx.id }));
         await ctx.addDeliverable("out.json", "results");
         await ctx.enqueue("ShellOk");
       }`,
    );
    writeFileSync(join(node.jobsDir, "failing.ts"), `export function run(): never { throw new Error("payload exploded"); }`);
    await jobDef("ShellOk", "shell", `echo "out $JQM_JI_ID $JQM_NODE_NAME"; echo err >&2; echo data > "$JQM_JI_DELIVERY_DIR/result.txt"`);
    await jobDef("ShellFail", "shell", "exit 3");
    await jobDef("ExecArgs", "exec", "/bin/echo");
    await jobDef("NodeOk", "node", "payload.mjs");
    await jobDef("NodeFail", "node", join(node.jobsDir, "failing.ts"));
    start(node.name);

    const ok = await enqueueRun(t.db, { applicationName: "ShellOk" });
    const fail = await enqueueRun(t.db, { applicationName: "ShellFail" });
    const exec = await enqueueRun(t.db, { applicationName: "ExecArgs", parameters: { b: "second; rm -rf /", a: "$(first)" } });
    const nodeOk = await enqueueRun(t.db, { applicationName: "NodeOk", parameters: { who: "tester" } });
    const nodeFail = await enqueueRun(t.db, { applicationName: "NodeFail" });

    const okRun = await ended(ok.id);
    expect(okRun).toMatchObject({ state: "ENDED", returnCode: 0, nodeName: node.name, applicationName: "ShellOk" });
    const logs = runLogFiles(node.logDir, ok.id);
    expect(readFileSync(logs.stdout, "utf8")).toBe(`out ${ok.id} ${node.name}\n`);
    expect(readFileSync(logs.stderr, "utf8")).toBe("err\n");
    const [file] = await t.db.deliverable.findMany({ where: { jobInstanceId: ok.id } });
    expect(file).toMatchObject({ originalName: "result.txt", size: 5 });
    expect(file!.downloadId).toMatch(/^[0-9a-f]{32}$/);
    expect(readFileSync(join(node.deliverablesDir, file!.storedPath), "utf8")).toBe("data\n");

    expect(await ended(fail.id)).toMatchObject({ state: "CRASHED", returnCode: 3, endReason: "exit code 3" });
    expect(await t.db.deliverable.count({ where: { jobInstanceId: fail.id } })).toBe(0);

    expect(await ended(exec.id)).toMatchObject({ state: "ENDED" });
    expect(readFileSync(runLogFiles(node.logDir, exec.id).stdout, "utf8")).toBe("$(first) second; rm -rf /\n");

    expect(await ended(nodeOk.id)).toMatchObject({ state: "ENDED", returnCode: 0, progress: 42 });
    expect(readFileSync(runLogFiles(node.logDir, nodeOk.id).stdout, "utf8")).toMatch(/hello from NodeOk tester/);
    expect((await t.db.message.findMany({ where: { jobInstanceId: nodeOk.id } })).map((m) => m.text)).toEqual(["<b>halfway</b>"]);
    expect(await t.db.deliverable.findFirst({ where: { jobInstanceId: nodeOk.id } })).toMatchObject({ originalName: "out.json", fileFamily: "results" });
    const child = await waitFor("the child run", () => t.db.history.findFirst({ where: { parentId: nodeOk.id } }));
    expect(child).toMatchObject({ applicationName: "ShellOk", state: "ENDED" });

    const failed = await ended(nodeFail.id);
    expect(failed).toMatchObject({ state: "CRASHED", returnCode: 1, endReason: "payload exploded" });
    expect(readFileSync(runLogFiles(node.logDir, nodeFail.id).stderr, "utf8")).toMatch(/payload exploded/);
    expect(await t.db.jobInstance.count()).toBe(0);
  });

  it("kills a running shell job and its children; the run ends CRASHED naming who killed it", async () => {
    const node = await newNode();
    const pidFile = join(scratch, `child-${t.provider}.pid`);
    await jobDef(`Sleeper-${t.provider}`, "shell", `sleep 300 & echo $! > ${pidFile}; sleep 300`);
    start(node.name);
    const { id } = await enqueueRun(t.db, { applicationName: `Sleeper-${t.provider}` });
    await waitFor("the child pid", () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim());
    const childPid = Number(readFileSync(pidFile, "utf8"));
    expect(isAlive(childPid)).toBe(true);

    await killRun(t.db, { actor: { ...SYSTEM_ACTOR, login: "operator-ann" }, id });
    expect(await ended(id)).toMatchObject({ state: "CRASHED", endReason: "killed by operator-ann" });
    await waitFor("the child process to die", () => !isAlive(childPid), 5000);
    const messages = await t.db.message.findMany({ where: { jobInstanceId: id } });
    expect(messages.map((m) => m.text)).toEqual(["Status changed: CRASHED due to killed by operator-ann"]);
  });

  it("marks the runs of a SIGKILLed node CRASHED with a reason, from another live node, and restarts cleanly", async () => {
    const doomed = await newNode();
    const survivor = await newNode();
    await t.db.queueMapping.deleteMany({ where: { nodeId: survivor.id } });
    await jobDef(`LongRun-${t.provider}`, "shell", "sleep 300");
    const p = start(doomed.name);
    const { id } = await enqueueRun(t.db, { applicationName: `LongRun-${t.provider}` });
    await waitFor("the run to start", async () => (await t.db.jobInstance.findUnique({ where: { id } }))?.state === "RUNNING");
    await stopNodeProcess(p, "SIGKILL");

    start(survivor.name);
    const run = await ended(id);
    expect(run.state).toBe("CRASHED");
    expect(run.endReason).toMatch(new RegExp(`^node ${doomed.name} was declared dead by ${survivor.name} at .*: no heartbeat since `));

    // The dead node comes back: no double start refusal once it is dead, nothing left attributed to it.
    const back = start(doomed.name);
    await waitFor("the restarted node to heartbeat", async () => {
      const n = await t.db.node.findUniqueOrThrow({ where: { id: doomed.id } });
      return n.lastSeenAlive && n.lastSeenAlive > run.endedAt;
    });
    expect(back.child.exitCode).toBeNull();
  });

  it("refuses to start a node that is already running", async () => {
    const node = await newNode();
    start(node.name);
    await waitFor("the node to heartbeat", async () => (await t.db.node.findUniqueOrThrow({ where: { id: node.id } })).lastSeenAlive);
    const second = startNodeProcess(node.name, t.url);
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(/probably running already/);
  });

  it("stops gracefully on a stop request: the running job finishes first", async () => {
    const node = await newNode();
    await jobDef(`Short-${t.provider}`, "shell", "sleep 1; echo done");
    // A grace far beyond the job's second: on a starved machine the test's 3 s one can run out first.
    const p = startNodeProcess(node.name, t.url, { NODE_STOP_GRACE_MS: "120000" });
    started.push(p);
    const { id } = await enqueueRun(t.db, { applicationName: `Short-${t.provider}` });
    await waitFor("the run to start", async () => (await t.db.jobInstance.findUnique({ where: { id } }))?.state === "RUNNING");
    await t.db.node.update({ where: { id: node.id }, data: { stopRequested: true } });
    expect(await p.exited).toBe(0);
    expect(await t.db.history.findUnique({ where: { id } })).toMatchObject({ state: "ENDED" });
    expect(await t.db.node.findUniqueOrThrow({ where: { id: node.id } })).toMatchObject({ stopRequested: false });
  });

  it.skipIf(env.TEST_DB !== "postgresql")("survives a database outage: the running job ends, its end is written once the database is back", async () => {
    const node = await newNode();
    await t.db.queueMapping.updateMany({ where: { nodeId: { not: node.id } }, data: { enabled: false } });
    await jobDef("Outage", "shell", "sleep 2; echo survived");
    const p = start(node.name);
    const { id } = await enqueueRun(t.db, { applicationName: "Outage" });
    await waitFor("the run to start", async () => (await t.db.jobInstance.findUnique({ where: { id } }))?.state === "RUNNING");

    const dbName = decodeURIComponent(new URL(t.url).pathname.slice(1));
    const admin = new pg.Client({ connectionString: env.TEST_PG_URL });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS false`);
      await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [dbName]);
      await new Promise((r) => setTimeout(r, 4000));
      expect(p.child.exitCode, p.output()).toBeNull();
    } finally {
      await admin.query(`ALTER DATABASE "${dbName}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    const run = await ended(id);
    expect(run).toMatchObject({ state: "ENDED", returnCode: 0 });
    expect(readFileSync(runLogFiles(node.logDir, id).stdout, "utf8")).toBe("survived\n");
    const next = await enqueueRun(t.db, { applicationName: "Outage" });
    expect(await waitFor("a run after the outage", () => t.db.history.findUnique({ where: { id: next.id } }), 30_000)).toMatchObject({ state: "ENDED" });
    expect(p.child.exitCode).toBeNull();
  }, 60_000);

  // On PostgreSQL the fault suite runs 10,000 under a CPU hog (faults.integration.test.ts).
  it.skipIf(env.TEST_DB === "postgresql")("runs many jobs on three nodes with no duplicate and none lost", async () => {
    const total = 300;
    const app = `Marker-${t.provider}`;
    const marks = join(scratch, `marks-${t.provider}`);
    mkdirSync(marks, { recursive: true });
    await jobDef(app, "shell", `echo "$JQM_NODE_NAME" >> ${marks}/$JQM_JI_ID`);
    const nodes = [await newNode(), await newNode(), await newNode()];
    for (const n of nodes) await t.db.queueMapping.updateMany({ where: { nodeId: n.id }, data: { maxThreads: 8, pollingIntervalMs: 200 } });
    // Nodes of earlier tests are still mapped to the queue: take them out of this race.
    await t.db.queueMapping.updateMany({ where: { nodeId: { notIn: nodes.map((n) => n.id) } }, data: { enabled: false } });
    const before = await t.db.history.count();
    const ids: number[] = [];
    for (let i = 0; i < total; i++) ids.push((await enqueueRun(t.db, { applicationName: app })).id);
    nodes.forEach((n) => start(n.name));

    await waitFor(`${total} runs to end`, async () => (await t.db.history.count()) - before === total, 180_000, 500);
    const history = await t.db.history.findMany({ where: { id: { in: ids } }, select: { id: true, state: true, nodeName: true } });
    expect(history).toHaveLength(total);
    expect(history.filter((h) => h.state !== "ENDED")).toEqual([]);
    const files = readdirSync(marks);
    expect(files).toHaveLength(total);
    const executions = files.map((f) => readFileSync(join(marks, f), "utf8").trim().split("\n").length);
    expect(executions.filter((n) => n !== 1)).toEqual([]);
    expect(new Set(history.map((h) => h.nodeName)).size).toBe(3);
  }, 240_000);

  it("fires a cron schedule once per occurrence with two nodes up, and another node takes over the leader's lease", async () => {
    const a = await newNode();
    const b = await newNode();
    await t.db.queueMapping.updateMany({ where: { nodeId: { in: [a.id, b.id] } }, data: { enabled: true } });
    const jd = await jobDef(`Cron-${t.provider}`, "shell", "true");
    const pa = start(a.name);
    start(b.name);
    await waitFor("both nodes to heartbeat", async () => (await t.db.node.count({ where: { id: { in: [a.id, b.id] }, lastSeenAlive: { not: null } } })) === 2);
    const schedule = await t.db.jobSchedule.create({ data: { jobDefId: jd.id, cronExpression: "* * * * * *", parameters: {} } });

    const runs = () =>
      Promise.all([
        t.db.history.findMany({ where: { jobDefId: jd.id }, select: { enqueuedAt: true } }),
        t.db.jobInstance.findMany({ where: { scheduleId: schedule.id }, select: { enqueuedAt: true } }),
      ]).then(([h, j]) => [...h, ...j]);
    await waitFor("four occurrences", async () => (await runs()).length >= 4, 15_000);
    const firstLeader = (await t.db.clusterLease.findUniqueOrThrow({ where: { name: "scheduler" } })).holder;
    const leader = firstLeader === a.name ? pa : started.find((p) => p.name === firstLeader)!;
    await stopNodeProcess(leader, "SIGKILL");
    const countAtKill = (await runs()).length;
    await waitFor("the other node to take over", async () => (await t.db.clusterLease.findUnique({ where: { name: "scheduler" } }))?.holder !== firstLeader, 15_000);
    await waitFor("more occurrences", async () => (await runs()).length >= countAtKill + 3, 15_000);

    await t.db.jobSchedule.update({ where: { id: schedule.id }, data: { enabled: false } });
    const all = await runs();
    const seconds = all.map((r) => Math.floor(r.enqueuedAt.getTime() / 1000));
    // An occurrence never fires twice, whichever node leads: at most one run per elapsed second
    // (a late occurrence may share its second with the next one, hence the tolerance of one).
    const elapsed = Math.max(...seconds) - Math.floor(schedule.createdAt.getTime() / 1000);
    expect(all.length).toBeLessThanOrEqual(elapsed + 1);
    expect(seconds.length - new Set(seconds).size).toBeLessThanOrEqual(1);
  }, 60_000);

  it("starts a run enqueued by another process at once, without waiting for its polling interval", async () => {
    const node = await newNode();
    await t.db.queueMapping.updateMany({ where: { nodeId: node.id }, data: { pollingIntervalMs: 600_000 } });
    await jobDef("WakeEcho", "shell", "true");
    start(node.name);
    // The node listens for other processes' enqueues (dialect.ts): a LISTEN connection, or a watched directory.
    await waitFor("the node to listen for enqueues", async () =>
      t.provider === "postgresql"
        ? Number((await t.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`)[0]!.n) > 0
        : existsSync(`${t.url.replace(/^file:/, "")}-wake`),
    );
    const first = await enqueueRun(t.db, { applicationName: "WakeEcho" });
    await ended(first.id);
    // The poller now sleeps for ten minutes: only the wake-up of this process's enqueue can start the next run.
    const second = await enqueueRun(t.db, { applicationName: "WakeEcho" });
    const h = await waitFor(`run ${second.id} to end`, () => t.db.history.findUnique({ where: { id: second.id } }), 30_000);
    expect(h.state).toBe("ENDED");
  }, 90_000);
});
