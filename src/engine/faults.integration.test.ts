// The fault suite (docs/reliability.md): real node processes killed, frozen, starved of CPU, cut
// from their database or short of disk, on this test's own database. Traffic stays on 127.0.0.1.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { type Db, createDb } from "~/server/db";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createNode } from "~/server/services/nodes/create-node";
import { databaseNow } from "~/server/services/nodes/node-health";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { cancelRun, restartRun } from "~/server/services/runs/instruct-run";
import { initDatabase } from "~/server/services/setup/init-database";
import { processGroupAlive, startCpuHog, startPgServer } from "~/test/faults";
import { type NodeProcess, TEST_NODE_ENV, startNodeProcess, stopNodeProcess, waitFor } from "~/test/node-process";
import { type TestDb, createTestDb } from "~/test/test-db";
import { DEAD_AFTER_PARAMETER } from "~/server/domain/parameters";
import type { ListenerReport } from "~/server/domain/node-config";

const postgres = env.TEST_DB === "postgresql";
let t: TestDb;
const started: NodeProcess[] = [];
const cleanups: (() => void | Promise<void>)[] = [];
const scratch = join(env.JOBWARDEN_HOME, "faults");
const actor = { ...SYSTEM_ACTOR, login: "fault-suite" };

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  // The floor applies: a node is dead after 10 of its 300 ms heartbeats.
  await t.db.globalParameter.create({ data: { key: DEAD_AFTER_PARAMETER, value: "1" } });
  mkdirSync(scratch, { recursive: true });
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => stopNodeProcess(p, "SIGKILL")));
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(() => t.drop());

let counter = 0;
type TestNode = Awaited<ReturnType<typeof createNode>>;

/** A node that polls only `queue` (created if needed), every 200 ms. */
async function nodeOn(db: Db, queue: string, maxThreads = 5): Promise<TestNode> {
  const q = await db.queue.upsert({ where: { name: queue }, create: { name: queue }, update: {} });
  const node = await createNode(db, { actor, name: `f${++counter}-${t.provider}`, port: 0 });
  await db.queueMapping.deleteMany({ where: { nodeId: node.id } });
  await db.queueMapping.create({ data: { nodeId: node.id, queueId: q.id, maxThreads, pollingIntervalMs: 200 } });
  mkdirSync(node.jobsDir, { recursive: true });
  return node;
}
async function jobDef(db: Db, applicationName: string, queue: string, payloadType: "shell" | "exec" | "node", path: string) {
  const q = await db.queue.findUniqueOrThrow({ where: { name: queue } });
  return db.jobDef.create({ data: { applicationName, payloadType, path, queueId: q.id, parameters: {} } });
}
function start(node: TestNode, databaseUrl = t.url, prefix: string[] = []) {
  const p = startNodeProcess(node.name, databaseUrl, {}, prefix);
  started.push(p);
  return p;
}
function engineLog(node: TestNode) {
  if (!existsSync(node.logDir)) return "";
  return readdirSync(node.logDir)
    .filter((f) => f.startsWith("engine"))
    .map((f) => readFileSync(join(node.logDir, f), "utf8"))
    .join("");
}
const ended = (db: Db, ids: number[], timeoutMs = 30_000) =>
  waitFor(`runs ${ids.join(", ")} to end`, async () => {
    const rows = await db.history.findMany({ where: { id: { in: ids } }, orderBy: { id: "asc" } });
    return rows.length === ids.length ? rows : null;
  }, timeoutMs);
const running = (ids: number[]) =>
  waitFor(`runs ${ids.join(", ")} to run`, async () => (await t.db.jobInstance.count({ where: { id: { in: ids }, state: "RUNNING" } })) === ids.length);
/** Waits until the node's last heartbeat is old enough for it to start again (the double-start guard). */
const silentFor = (db: Db, node: TestNode, ms: number) =>
  waitFor(`${node.name} to be silent for ${ms} ms`, async () => {
    const n = await db.node.findUniqueOrThrow({ where: { id: node.id } });
    return !n.lastSeenAlive || (await databaseNow(db)).getTime() - n.lastSeenAlive.getTime() > ms;
  });
async function simpleApiUrl(db: Db, node: TestNode, p: NodeProcess) {
  const listener = await waitFor(`${node.name}'s simple API`, async () => {
    if (p.child.exitCode !== null) throw new Error(`${node.name} exited: ${p.output().slice(-4000)}`);
    const report = await db.nodeReport.findUnique({ where: { nodeId: node.id } });
    const l = ((report?.listeners ?? []) as ListenerReport[]).find((x) => x.api === "simple");
    if (l?.error) throw new Error(`${node.name}: simple API did not open: ${l.error}`);
    return l?.port ? l : null;
  }, 60_000);
  return `http://127.0.0.1:${listener.port}/ws/simple`;
}
async function enqueueOverHttp(url: string, applicationName: string) {
  try {
    const res = await fetch(`${url}/ji`, { method: "POST", body: new URLSearchParams({ applicationname: applicationName }) });
    return { status: res.status, body: await res.text() };
  } catch (err) {
    return { status: 0, body: String(err) };
  }
}

describe(`faults on ${env.TEST_DB}`, () => {
  it("SIGKILL a node while shell, exec and node payloads run, repeatedly: every run ends CRASHED with a reason, can be restarted, and its process group is gone", async () => {
    const rounds = postgres ? 20 : 10;
    const queue = `kill-${t.provider}`;
    const doomed = await nodeOn(t.db, queue);
    const survivor = await nodeOn(t.db, `survivor-${t.provider}`);
    const pids = join(scratch, `pids-${t.provider}`);
    mkdirSync(pids, { recursive: true });
    writeFileSync(join(doomed.jobsDir, "sleeper.sh"), `#!/bin/sh\necho $$ > ${pids}/$JQM_JI_ID\nsleep 300 &\nexec sleep 300\n`);
    chmodSync(join(doomed.jobsDir, "sleeper.sh"), 0o755);
    writeFileSync(join(doomed.jobsDir, "waiter.mjs"), `export async function run(ctx) { await new Promise((r) => setTimeout(r, 300_000)); }`);
    await jobDef(t.db, `KillShell-${t.provider}`, queue, "shell", `echo $$ > ${pids}/$JQM_JI_ID; sleep 300 & sleep 300`);
    await jobDef(t.db, `KillExec-${t.provider}`, queue, "exec", "sleeper.sh");
    await jobDef(t.db, `KillNode-${t.provider}`, queue, "node", "waiter.mjs");
    start(survivor);

    for (let round = 0; round < rounds; round++) {
      // Even rounds: another node declares the killed one dead. Odd rounds: the dead threshold is out of
      // reach, the node restarts and its start recovers its runs.
      const byRestart = round % 2 === 1;
      await t.db.globalParameter.update({ where: { key: DEAD_AFTER_PARAMETER }, data: { value: byRestart ? "600" : "1" } });
      await silentFor(t.db, doomed, 2 * Number(TEST_NODE_ENV.NODE_HEARTBEAT_MS));
      const p = start(doomed);
      const ids: number[] = [];
      for (const kind of ["Shell", "Exec", "Node"]) ids.push((await enqueueRun(t.db, { applicationName: `Kill${kind}-${t.provider}` })).id);
      await running(ids);
      // The node records a payload's process group (for its reaper, then in the run's work dir) right
      // after starting it: kill it once that is done.
      const groups = await waitFor("the payloads' process groups", () => {
        const files = ids.slice(0, 2).flatMap((id) => [join(doomed.tmpDir, String(id), ".jobwarden-process-group"), join(pids, String(id))]);
        return files.every((f) => existsSync(f) && readFileSync(f, "utf8").trim()) ? files.filter((_, i) => i % 2 === 0).map((f) => Number(readFileSync(f, "utf8"))) : null;
      });
      expect(groups).toEqual(ids.slice(0, 2).map((id) => Number(readFileSync(join(pids, String(id)), "utf8"))));
      await stopNodeProcess(p, "SIGKILL");
      await waitFor("the payloads' process groups to be gone", () => groups.every((g) => !processGroupAlive(g)), 30_000).catch((err: Error) => {
        throw new Error(`${err.message}: groups ${groups.join(", ")}\n${execFileSync("ps", ["-eo", "pid,ppid,pgid,etime,cmd"]).toString().split("\n").filter((l) => /sleep|while read/.test(l)).join("\n")}\n${p.output().slice(-3000)}`);
      });

      let restarted: NodeProcess | undefined;
      if (byRestart) {
        await silentFor(t.db, doomed, 2 * Number(TEST_NODE_ENV.NODE_HEARTBEAT_MS));
        restarted = start(doomed);
      }
      const rows = await ended(t.db, ids);
      const reason = byRestart ? `^node ${doomed.name} restarted: ` : `^node ${doomed.name} was declared dead by ${survivor.name} at `;
      for (const h of rows) expect(h, `round ${round}`).toMatchObject({ state: "CRASHED", endReason: expect.stringMatching(new RegExp(reason)) });
      if (restarted) await stopNodeProcess(restarted, "SIGTERM");
      for (const id of ids) {
        const again = await restartRun(t.db, { actor, id });
        await cancelRun(t.db, { actor, id: again.id });
      }
    }
    await t.db.globalParameter.update({ where: { key: DEAD_AFTER_PARAMETER }, data: { value: "1" } });
    expect(engineLog(survivor) + engineLog(doomed)).not.toMatch(/Unique constraint/);
  }, 600_000);

  it("SIGSTOP a node past its dead threshold, then SIGCONT: each run ends once with the true reason, the node kills its payloads, says so, and goes back to work", async () => {
    const queue = `freeze-${t.provider}`;
    const frozen = await nodeOn(t.db, queue);
    const survivor = await nodeOn(t.db, `thaw-${t.provider}`);
    writeFileSync(join(frozen.jobsDir, "two.sh"), "#!/bin/sh\nsleep 2\n");
    chmodSync(join(frozen.jobsDir, "two.sh"), 0o755);
    writeFileSync(
      join(frozen.jobsDir, "two.mjs"),
      `export async function run(ctx) {
         await new Promise((resolve) => { const t = setTimeout(resolve, 2000); ctx.signal.addEventListener("abort", () => { clearTimeout(t); resolve(); }); });
         await ctx.sendMessage("written after the take-over?").catch((err) => console.log(err.message));
       }`,
    );
    await jobDef(t.db, `FreezeShell-${t.provider}`, queue, "shell", "sleep 2");
    await jobDef(t.db, `FreezeExec-${t.provider}`, queue, "exec", "two.sh");
    await jobDef(t.db, `FreezeNode-${t.provider}`, queue, "node", "two.mjs");
    await jobDef(t.db, `FreezeAfter-${t.provider}`, queue, "shell", "true");
    const p = start(frozen);
    start(survivor);
    const ids: number[] = [];
    for (const kind of ["Shell", "Exec", "Node"]) ids.push((await enqueueRun(t.db, { applicationName: `Freeze${kind}-${t.provider}` })).id);
    await running(ids);

    p.child.kill("SIGSTOP");
    let rows;
    try {
      rows = await ended(t.db, ids);
    } finally {
      p.child.kill("SIGCONT");
    }
    for (const h of rows) {
      expect(h).toMatchObject({ state: "CRASHED", nodeName: frozen.name });
      expect(h.endReason).toMatch(new RegExp(`^node ${frozen.name} was declared dead by ${survivor.name} at .*: no heartbeat since `));
    }

    // Back from its pause, the node learns it was declared dead, kills what it still ran, says so, and rejoins.
    await waitFor("the node to say it was declared dead", () => engineLog(frozen).includes(`node ${frozen.name} was declared dead by ${survivor.name}`));
    for (const id of ids) {
      await waitFor(`the second end of run ${id} as a message`, async () =>
        (await t.db.message.findMany({ where: { jobInstanceId: id } })).some((m) => m.text.startsWith(`Node ${frozen.name} also ended this run`)),
      );
      const messages = (await t.db.message.findMany({ where: { jobInstanceId: id } })).map((m) => m.text);
      expect(messages.filter((m) => m.startsWith("Status changed:"))).toHaveLength(1);
      expect(messages.filter((m) => m.includes("also ended this run"))).toHaveLength(1);
      expect(messages).not.toContain("written after the take-over?");
    }
    const log = engineLog(frozen);
    expect(log).not.toMatch(/Unique constraint/);
    expect(log).toContain(`node ${frozen.name} rejoined the cluster`);
    expect(await t.db.auditEvent.count({ where: { action: "node.declared_dead", objectId: String(frozen.id), login: `node ${survivor.name}` } })).toBe(1);
    expect(await t.db.auditEvent.count({ where: { action: "node.rejoin", objectId: String(frozen.id) } })).toBe(1);
    expect(await t.db.node.findUniqueOrThrow({ where: { id: frozen.id } })).toMatchObject({ declaredDeadBy: survivor.name });

    const after = await enqueueRun(t.db, { applicationName: `FreezeAfter-${t.provider}` });
    expect((await ended(t.db, [after.id]))[0]).toMatchObject({ state: "ENDED", nodeName: frozen.name });
    expect(p.child.exitCode).toBeNull();
  }, 120_000);

  it.skipIf(!postgres)(
    "three nodes run 10,000 runs while a CPU hog keeps both cores busy: every run exactly once, none lost, none CRASHED",
    async () => {
      const total = 10_000;
      const queue = `hog-${t.provider}`;
      const nodes = [await nodeOn(t.db, queue, 8), await nodeOn(t.db, queue, 8), await nodeOn(t.db, queue, 8)];
      const file = join(scratch, `ids-${t.provider}`);
      writeFileSync(join(nodes[0]!.jobsDir, "append.mjs"), `import { appendFileSync } from "node:fs"; export function run(ctx) { appendFileSync(${JSON.stringify(file)}, ctx.id + "\\n"); }`);
      const jd = await jobDef(t.db, `Hog-${t.provider}`, queue, "node", join(nodes[0]!.jobsDir, "append.mjs"));
      const q = await t.db.queue.findUniqueOrThrow({ where: { name: queue } });
      await t.db.jobInstance.createMany({
        data: Array.from({ length: total }, (_, i) => ({ jobDefId: jd.id, queueId: q.id, position: i, parameters: {} })),
      });
      const ids = (await t.db.jobInstance.findMany({ where: { jobDefId: jd.id }, select: { id: true } })).map((r) => r.id);
      const stopHog = startCpuHog();
      cleanups.push(stopHog);
      nodes.forEach((n) => start(n));
      await waitFor(`${total} runs to end`, async () => (await t.db.history.count({ where: { jobDefId: jd.id } })) === total, 840_000, 1000);
      stopHog();

      const reports = await t.db.nodeReport.findMany({ where: { nodeId: { in: nodes.map((n) => n.id) } } });
      const gaps = reports.map((r) => (r.counters as { heartbeat?: { maxGapMs: number } }).heartbeat?.maxGapMs ?? -1);
      console.log(`heartbeat: longest gap between two beats under load: ${Math.max(...gaps)} ms (interval ${TEST_NODE_ENV.NODE_HEARTBEAT_MS} ms)`);
      const lines = readFileSync(file, "utf8").trim().split("\n").map(Number);
      const seen = new Map<number, number>();
      for (const id of lines) seen.set(id, (seen.get(id) ?? 0) + 1);
      expect(ids.filter((id) => seen.get(id) !== 1)).toEqual([]);
      expect(lines).toHaveLength(total);
      expect(await t.db.history.findMany({ where: { jobDefId: jd.id, state: { not: "ENDED" } }, select: { id: true, state: true, endReason: true } })).toEqual([]);
      expect(await t.db.auditEvent.count({ where: { action: "node.declared_dead", objectId: { in: nodes.map((n) => String(n.id)) } } })).toBe(0);
      expect(Math.min(...gaps)).toBeGreaterThan(0);
      for (const n of nodes) expect(engineLog(n)).not.toMatch(/Unique constraint|was declared dead|was taken over/);
    },
    900_000,
  );

  it.skipIf(!postgres)("restarting PostgreSQL while clients enqueue through the simple API: every enqueue that got an id runs; the nodes resume within 10 s", async () => {
    const server = await startPgServer();
    cleanups.push(() => server.remove());
    const own = await createTestDb(server.url);
    cleanups.push(() => own.drop());
    await initDatabase(own.db, { migrate: false });
    const queue = "restart";
    const nodes = [await nodeOn(own.db, queue), await nodeOn(own.db, queue)];
    await jobDef(own.db, "AfterRestart", queue, "shell", "true");
    const processes = nodes.map((n) => start(n, own.url));
    const urls = await Promise.all(nodes.map((n, i) => simpleApiUrl(own.db, n, processes[i]!)));

    const answers: { status: number; body: string; phase: string }[] = [];
    let phase = "before";
    let clientsOn = true;
    const clients = [0, 1, 2, 3].map(async (c) => {
      for (let i = 0; clientsOn && i < 5000; i++) answers.push({ ...(await enqueueOverHttp(urls[(c + i) % 2]!, "AfterRestart")), phase });
    });
    await waitFor("enqueues before the restart", () => answers.filter((a) => a.status === 200).length >= 20);
    server.stop();
    phase = "down";
    await waitFor("enqueues refused while the database is down", () => answers.filter((a) => a.phase === "down" && a.status !== 200).length >= 4);
    server.start();
    const restartedAt = Date.now();
    phase = "after";
    await waitFor("enqueues after the restart", () => answers.filter((a) => a.phase === "after" && a.status === 200).length >= 20, 30_000);
    clientsOn = false;
    await Promise.all(clients);
    for (const p of processes) expect(p.child.exitCode, p.output().slice(-4000)).toBeNull();

    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.filter((a) => a.status !== 503), JSON.stringify(refused.slice(0, 3))).toEqual([]);
    expect(refused[0]!.body).toMatch(/database/i);
    const ids = answers.filter((a) => a.status === 200).map((a) => Number(a.body));
    expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    // This test's own connections were cut too: a new client.
    const db = createDb(own.url);
    cleanups.push(() => db.$disconnect());
    for (const n of nodes) {
      await waitFor(`${n.name} to heartbeat again`, async () => {
        const row = await db.node.findUniqueOrThrow({ where: { id: n.id } });
        return row.lastSeenAlive && row.lastSeenAlive.getTime() > restartedAt;
      }, Math.max(0, restartedAt + 10_000 - Date.now()) + 1000);
    }
    const rows = await ended(db, ids, 60_000);
    expect(rows.filter((h) => h.state !== "ENDED")).toEqual([]);
  }, 180_000);

  it.skipIf(postgres)("two nodes on one SQLite file under enqueue load: every API caller gets its id, no SQLITE_BUSY", async () => {
    const queue = `busy-${t.provider}`;
    const nodes = [await nodeOn(t.db, queue, 8), await nodeOn(t.db, queue, 8)];
    await jobDef(t.db, "Busy", queue, "shell", "true");
    const processes = nodes.map((n) => start(n));
    const urls = await Promise.all(nodes.map((n, i) => simpleApiUrl(t.db, n, processes[i]!)));
    const answers = (
      await Promise.all(
        [0, 1, 2, 3, 4, 5, 6, 7].map(async (c) => {
          const mine = [];
          for (let i = 0; i < 50; i++) mine.push(await enqueueOverHttp(urls[(c + i) % 2]!, "Busy"));
          return mine;
        }),
      )
    ).flat();
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const rows = await ended(t.db, answers.map((a) => Number(a.body)), 120_000);
    expect(rows.filter((h) => h.state !== "ENDED")).toEqual([]);
    for (const n of nodes) expect(engineLog(n)).not.toMatch(/SQLITE_BUSY|database is locked/);
  }, 180_000);

  it("a full deliverables disk: the run ends CRASHED with 'no space left', the node keeps working", async () => {
    const queue = `full-${t.provider}`;
    const node = await nodeOn(t.db, queue);
    mkdirSync(node.deliverablesDir, { recursive: true });
    await jobDef(t.db, `Big-${t.provider}`, queue, "shell", `head -c 1048576 /dev/zero > "$JQM_JI_DELIVERY_DIR/big.bin"`);
    await jobDef(t.db, `Small-${t.provider}`, queue, "shell", `echo ok > "$JQM_JI_DELIVERY_DIR/small.txt"`);
    // The node runs in a mount namespace of its own where its deliverables directory is a 256 KiB tmpfs.
    const p = start(node, t.url, ["unshare", "-m", "sh", "-c", `mount -t tmpfs -o size=256k jobwarden-full ${node.deliverablesDir} && exec "$0" "$@"`]);

    const big = await enqueueRun(t.db, { applicationName: `Big-${t.provider}` });
    const [bigEnd] = await ended(t.db, [big.id]);
    expect(bigEnd).toMatchObject({ state: "CRASHED" });
    expect(bigEnd!.endReason).toMatch(/^could not store its deliverables: .*no space left on device/i);
    expect(await t.db.deliverable.count({ where: { jobInstanceId: big.id } })).toBe(0);

    const small = await enqueueRun(t.db, { applicationName: `Small-${t.provider}` });
    expect((await ended(t.db, [small.id]))[0]).toMatchObject({ state: "ENDED" });
    expect(await t.db.deliverable.findFirst({ where: { jobInstanceId: small.id } })).toMatchObject({ originalName: "small.txt", size: 3 });
    expect(p.child.exitCode, p.output()).toBeNull();
  }, 60_000);
});
