import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Db, createDb } from "~/server/db";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { killRun } from "~/server/services/runs/instruct-run";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { runLogFiles } from "~/server/services/runs/run-paths";
import { type NodeProcess, startNodeProcess, stopNodeProcess, waitFor } from "~/test/node-process";
import { openInstallToOtherAccounts } from "~/test/reachable-install";

/**
 * Payload isolation for a node that does not run as root (README, "Payload isolation"): it reaches
 * its payload account through `sudo -n` with the documented sudoers line and group membership.
 * Root makes two throwaway accounts, the node's and the payload's, and runs the node as the first.
 */
const sudoInstalled = existsSync("/usr/bin/sudo");
const canRun = process.getuid?.() === 0 && sudoInstalled;
const why = process.getuid?.() !== 0 ? "not root, cannot create throwaway accounts" : "sudo is not installed";
const suffix = randomBytes(3).toString("hex");
const nodeAccount = `jwnode-${suffix}`;
const payloadAccount = `jwpay-${suffix}`;
const sudoers = `/etc/sudoers.d/jobwarden-test-${suffix}`;
const secret = `env-secret-${randomBytes(16).toString("hex")}`;
let home: string;
let db: Db;
const started: NodeProcess[] = [];

const idOf = (flag: "-u" | "-g", name: string) => Number(execFileSync("id", [flag, name]).toString().trim());
const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  if (!canRun) return;
  openInstallToOtherAccounts();
  execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", payloadAccount]);
  execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--groups", payloadAccount, nodeAccount]);
  writeFileSync(sudoers, `${nodeAccount} ALL=(${payloadAccount}) NOPASSWD: ALL\n`, { mode: 0o440 });
  home = mkdtempSync(join(tmpdir(), "jobwarden-isolation-sudo-"));
  const sqlite = new Database(join(home, "jobwarden.db"));
  for (const name of readdirSync("prisma/migrations", { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    sqlite.exec(readFileSync(join("prisma/migrations", name, "migration.sql"), "utf8"));
  }
  sqlite.close();
  chmodSync(join(home, "jobwarden.db"), 0o644);
  writeFileSync(join(home, "session-secret"), secret, { mode: 0o600 });
  for (const f of [home, join(home, "jobwarden.db"), join(home, "session-secret")]) chownSync(f, idOf("-u", nodeAccount), idOf("-g", nodeAccount));
  // Opened by root, SQLite gives its -wal and -shm files to the database file's owner.
  db = createDb(`file:${join(home, "jobwarden.db")}`);
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => stopNodeProcess(p, "SIGKILL")));
});
afterAll(async () => {
  if (!canRun) return;
  await db?.$disconnect();
  rmSync(sudoers, { force: true });
  execFileSync("userdel", [nodeAccount]);
  execFileSync("userdel", [payloadAccount]);
  rmSync(home, { recursive: true, force: true });
});

describe.skipIf(!canRun)(`payload isolation on a node that does not run as root, through sudo${canRun ? "" : ` — skipped: ${why}`}`, () => {
  it("runs shell and node payloads as the payload account, closed to the node's files, and kills them with their children", async () => {
    const root = join(home, "nodes", "sudo1");
    const queue = await db.queue.create({ data: { name: "q-sudo" } });
    const node = await db.node.create({
      data: {
        name: "sudo1",
        port: 0,
        payloadUser: payloadAccount,
        jobsDir: join(root, "jobs"),
        deliverablesDir: join(root, "deliverables"),
        tmpDir: join(root, "tmp"),
        logDir: join(root, "logs"),
        mappings: { create: { queueId: queue.id, maxThreads: 2, pollingIntervalMs: 200 } },
      },
    });
    mkdirSync(node.jobsDir, { recursive: true });
    for (const d of [join(home, "nodes"), root, node.jobsDir]) chownSync(d, idOf("-u", nodeAccount), idOf("-g", nodeAccount));
    writeFileSync(
      join(node.jobsDir, "attack.mjs"),
      `import { readFileSync, writeFileSync } from "node:fs";
       export async function run(ctx) {
         for (const [label, file] of [["parent-environ", "/proc/" + process.ppid + "/environ"], ["database", ${JSON.stringify(join(home, "jobwarden.db"))}]]) {
           try { ctx.log(label, "READ", readFileSync(file).toString("latin1")); } catch (err) { ctx.log(label, "DENIED", err.code); }
         }
         await ctx.sendProgress(70);
         writeFileSync(ctx.deliveryDir + "/node-proof.txt", "proof");
       }`,
    );
    const db_ = join(home, "jobwarden.db");
    await db.jobDef.createMany({
      data: [
        { applicationName: "SudoShell", payloadType: "shell", queueId: queue.id, parameters: {}, path: `echo "uid $(id -u)"; head -c 15 ${db_}; echo "database exit $?"; cat /proc/$PPID/environ; echo "parent-environ exit $?"; mkdir sub; echo x > sub/f; echo proof > "$JQM_JI_DELIVERY_DIR/shell-proof.txt"` },
        { applicationName: "SudoNode", payloadType: "node", queueId: queue.id, parameters: {}, path: "attack.mjs" },
        { applicationName: "SudoSleeper", payloadType: "shell", queueId: queue.id, parameters: {}, path: `sleep 300 & echo $! > "$JQM_JI_TEMP_DIR/child.pid"; sleep 300` },
      ],
    });
    const p = startNodeProcess(node.name, `file:${db_}`, { JOBWARDEN_HOME: home, HOME: home, NEXTAUTH_SECRET: secret }, [
      "setpriv",
      `--reuid=${nodeAccount}`,
      `--regid=${nodeAccount}`,
      "--init-groups",
      "--",
    ]);
    started.push(p);
    const ended = (id: number) =>
      waitFor(`run ${id} to end`, () => db.history.findUnique({ where: { id } }), 60_000).catch(async (err: Error) => {
        throw new Error(`${err.message}\n${p.output()}\n${JSON.stringify(await db.jobInstance.findMany())}`);
      });
    const output = (id: number) => {
      const logs = runLogFiles(node.logDir, id);
      return [logs.stdout, logs.stderr].map((f) => (existsSync(f) ? readFileSync(f, "utf8") : "")).join("\n");
    };

    const shell = await enqueueRun(db, { applicationName: "SudoShell" });
    const shellRun = await ended(shell.id);
    expect(shellRun, output(shell.id)).toMatchObject({ state: "ENDED", returnCode: 0 });
    expect(output(shell.id)).toContain(`uid ${idOf("-u", payloadAccount)}`);
    expect(output(shell.id)).toMatch(/database exit [1-9]/);
    expect(output(shell.id)).toMatch(/parent-environ exit [1-9]/);
    expect(output(shell.id)).not.toContain(secret);
    expect((await db.deliverable.findMany({ where: { jobInstanceId: shell.id } })).map((d) => d.originalName)).toEqual(["shell-proof.txt"]);
    // What the payload left in its work dir (a directory of its own included) goes with the run.
    await waitFor("the work dir to be removed", () => !existsSync(join(node.tmpDir, String(shell.id))), 10_000);

    const nodeRun = await enqueueRun(db, { applicationName: "SudoNode" });
    expect(await ended(nodeRun.id), output(nodeRun.id)).toMatchObject({ state: "ENDED", progress: 70 });
    expect(output(nodeRun.id)).toMatch(/parent-environ DENIED EACCES/);
    expect(output(nodeRun.id)).toMatch(/database DENIED EACCES/);
    expect(output(nodeRun.id)).not.toContain(secret);
    expect((await db.deliverable.findMany({ where: { jobInstanceId: nodeRun.id } })).map((d) => d.originalName)).toEqual(["node-proof.txt"]);

    const sleeper = await enqueueRun(db, { applicationName: "SudoSleeper" });
    const pidFile = join(node.tmpDir, String(sleeper.id), "child.pid");
    const pid = await waitFor("the sleeper's child", () => (existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").trim()) : 0));
    await killRun(db, { actor: { ...SYSTEM_ACTOR, login: "operator-ann" }, id: sleeper.id });
    expect(await ended(sleeper.id)).toMatchObject({ state: "CRASHED", endReason: "killed by operator-ann" });
    await waitFor("the sleeper's child to die", () => !isAlive(pid), 10_000);

    const orphan = await enqueueRun(db, { applicationName: "SudoSleeper" });
    const orphanFile = join(node.tmpDir, String(orphan.id), "child.pid");
    const orphanPid = await waitFor("the second sleeper's child", () => (existsSync(orphanFile) ? Number(readFileSync(orphanFile, "utf8").trim()) : 0));
    await stopNodeProcess(p, "SIGKILL");
    await waitFor("the reaper to end the payload of the dead node through sudo", () => !isAlive(orphanPid), 10_000);
  }, 180_000);
});
