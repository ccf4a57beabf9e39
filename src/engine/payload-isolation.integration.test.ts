import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Db, createDb } from "~/server/db";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { runLogFiles } from "~/server/services/runs/run-paths";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { killRun } from "~/server/services/runs/instruct-run";
import { type NodeProcess, startNodeProcess, stopNodeProcess, waitFor } from "~/test/node-process";
import { openInstallToOtherAccounts } from "~/test/reachable-install";

/**
 * Issue 11, finding 1: a job definition (jd:create) attacks its node's install the way an attacker
 * would. The install is a real one of its own: JOBWARDEN_HOME with the SQLite database (0644, as an
 * older `init` or a manual copy leaves it), the session secret and the root password file, and a
 * secret in the node's environment.
 */
const isRoot = process.getuid?.() === 0;
const home = mkdtempSync(join(tmpdir(), "jobwarden-isolation-"));
const dbFile = join(home, "jobwarden.db");
const url = `file:${dbFile}`;
const secrets = {
  env: `env-secret-${randomBytes(16).toString("hex")}`,
  session: `session-secret-${randomBytes(16).toString("hex")}`,
  rootPassword: `root-password-${randomBytes(16).toString("hex")}`,
};
const account = `jwtest-${randomBytes(4).toString("hex")}`;
let db: Db;
const started: NodeProcess[] = [];

beforeAll(async () => {
  if (isRoot) openInstallToOtherAccounts();
  const sqlite = new Database(dbFile);
  for (const name of readdirSync("prisma/migrations", { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
    sqlite.exec(readFileSync(join("prisma/migrations", name, "migration.sql"), "utf8"));
  }
  sqlite.close();
  chmodSync(dbFile, 0o644);
  writeFileSync(join(home, "session-secret"), secrets.session, { mode: 0o600 });
  writeFileSync(join(home, "root-password.txt"), `${secrets.rootPassword}\n`, { mode: 0o600 });
  db = createDb(url);
  if (isRoot) execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", account]);
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => stopNodeProcess(p, "SIGKILL")));
});
afterAll(async () => {
  await db?.$disconnect();
  if (isRoot) execFileSync("userdel", [account]);
  rmSync(home, { recursive: true, force: true });
});

/** A node of this install with a queue of its own, and the two attacking job definitions on it. */
async function attackingNode(name: string, payloadUser: string | null) {
  const root = join(home, "nodes", name);
  const queue = await db.queue.create({ data: { name: `q-${name}` } });
  const node = await db.node.create({
    data: {
      name,
      port: 0,
      payloadUser,
      jobsDir: join(root, "jobs"),
      deliverablesDir: join(root, "deliverables"),
      tmpDir: join(root, "tmp"),
      logDir: join(root, "logs"),
      mappings: { create: { queueId: queue.id, maxThreads: 2, pollingIntervalMs: 200 } },
    },
  });
  mkdirSync(node.jobsDir, { recursive: true });
  const shell = [
    `echo "uid $(id -u)"`,
    `cat /proc/$PPID/environ; echo "parent-environ exit $?"`,
    `ls /proc/$PPID/cwd; echo "parent-cwd exit $?"`,
    `head -c 15 ${dbFile}; s=$?; echo; echo "database exit $s"`,
    `cat ${join(home, "session-secret")}; echo "session-secret exit $?"`,
    `cat ${join(home, "root-password.txt")}; echo "root-password exit $?"`,
    `ls ${home}; echo "home listing exit $?"`,
    `echo proof > "$JQM_JI_DELIVERY_DIR/shell-proof.txt"`,
  ].join("\n");
  writeFileSync(
    join(node.jobsDir, "attack.mjs"),
    `import { readFileSync, writeFileSync } from "node:fs";
     export async function run(ctx) {
       const attempt = (label, file) => {
         try { ctx.log(label, "READ", readFileSync(file).toString("latin1")); } catch (err) { ctx.log(label, "DENIED", err.code); }
       };
       ctx.log("process.env", JSON.stringify(process.env));
       attempt("self-environ", "/proc/self/environ");
       attempt("parent-environ", "/proc/" + process.ppid + "/environ");
       attempt("database", ${JSON.stringify(dbFile)});
       attempt("session-secret", ${JSON.stringify(join(home, "session-secret"))});
       await ctx.sendProgress(60);
       await ctx.sendMessage("attack done");
       writeFileSync(ctx.deliveryDir + "/node-proof.txt", "proof");
     }`,
  );
  await db.jobDef.create({ data: { applicationName: `Shell-${name}`, payloadType: "shell", path: shell, queueId: queue.id, parameters: {} } });
  await db.jobDef.create({ data: { applicationName: `Node-${name}`, payloadType: "node", path: "attack.mjs", queueId: queue.id, parameters: {} } });
  const p = startNodeProcess(name, url, { JOBWARDEN_HOME: home, NEXTAUTH_SECRET: secrets.env });
  started.push(p);
  return { node, p, queueId: queue.id };
}

async function attack(name: string, payloadUser: string | null) {
  const { node, p } = await attackingNode(name, payloadUser);
  const outputOf = async (applicationName: string) => {
    const { id } = await enqueueRun(db, { applicationName });
    const run = await waitFor(`run ${id} to end`, () => db.history.findUnique({ where: { id } }), 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${p.output()}`);
    });
    const logs = runLogFiles(node.logDir, id);
    // A run that never started has no logs.
    const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");
    const output = `${read(logs.stdout)}\n${read(logs.stderr)}`;
    const deliverables = await db.deliverable.findMany({ where: { jobInstanceId: id } });
    const messages = await db.message.findMany({ where: { jobInstanceId: id } });
    return { run, output, deliverables, messages };
  };
  return { node, shell: await outputOf(`Shell-${name}`), nodePayload: await outputOf(`Node-${name}`) };
}

const leaked = (output: string) => [secrets.env, secrets.session, secrets.rootPassword, "SQLite format 3", url].filter((s) => output.includes(s));

describe("payload isolation (issue 11, finding 1)", () => {
  it("without a payload account, a job definition reads the database, the secrets and the node's environment", async () => {
    const { shell, nodePayload } = await attack("iso-off", null);
    expect(shell.run.state).toBe("ENDED");
    expect(leaked(shell.output)).toEqual([secrets.env, secrets.session, secrets.rootPassword, "SQLite format 3", url]);
    expect(shell.output).toMatch(/parent-cwd exit 0/);
    // A worker thread of the node: /proc/self is the node.
    expect(nodePayload.run.state).toBe("ENDED");
    expect(leaked(nodePayload.output)).toEqual(expect.arrayContaining([secrets.env, secrets.session, "SQLite format 3"]));
  }, 90_000);

  it("a payload account that does not exist fails the run with how to create it, never runs it unisolated", async () => {
    const { shell, nodePayload } = await attack("iso-missing", "jobwarden-no-such-account");
    for (const r of [shell, nodePayload]) {
      expect(r.run.state).toBe("CRASHED");
      expect(r.run.endReason).toMatch(/payload account "jobwarden-no-such-account" does not exist on this machine: create it with `useradd --system/);
      expect(leaked(r.output)).toEqual([]);
    }
  }, 90_000);

  it.skipIf(!isRoot)(
    `with a payload account, the same job definitions read nothing of the node but still deliver and end ENDED${isRoot ? "" : " — skipped: not root, cannot create a throwaway account (CI runs as root)"}`,
    async () => {
      const { node, shell, nodePayload } = await attack("iso-on", account);
      const uid = Number(execFileSync("id", ["-u", account]).toString().trim());

      expect(shell.run, shell.output).toMatchObject({ state: "ENDED", returnCode: 0 });
      expect(shell.output).toContain(`uid ${uid}`);
      for (const what of ["parent-environ", "parent-cwd", "database", "session-secret", "root-password", "home listing"]) {
        expect(shell.output).toMatch(new RegExp(`${what} exit [1-9]`));
      }
      expect(shell.output).toMatch(/environ: Permission denied/);
      expect(shell.output).toMatch(/jobwarden\.db' for reading: Permission denied/);
      expect(leaked(shell.output)).toEqual([]);
      expect(shell.deliverables.map((d) => d.originalName)).toEqual(["shell-proof.txt"]);
      expect(readFileSync(join(node.deliverablesDir, shell.deliverables[0]!.storedPath), "utf8")).toBe("proof\n");

      expect(nodePayload.run, nodePayload.output).toMatchObject({ state: "ENDED", returnCode: 0, progress: 60 });
      expect(nodePayload.output).toMatch(/parent-environ DENIED EACCES/);
      expect(nodePayload.output).toMatch(/database DENIED EACCES/);
      expect(nodePayload.output).toMatch(/session-secret DENIED EACCES/);
      expect(nodePayload.output).not.toMatch(/DATABASE_URL/);
      expect(leaked(nodePayload.output)).toEqual([]);
      expect(nodePayload.messages.map((m) => m.text)).toContain("attack done");
      expect(nodePayload.deliverables.map((d) => d.originalName)).toEqual(["node-proof.txt"]);

      // A TypeScript payload goes through tsx in the same isolated process.
      writeFileSync(join(node.jobsDir, "typed.ts"), `export async function run(ctx: { log: (...a: unknown[]) => void }): Promise<void> { ctx.log("ts uid", process.getuid?.()); }`);
      await db.jobDef.create({ data: { applicationName: "IsoTyped", payloadType: "node", path: "typed.ts", queueId: (await db.queue.findUniqueOrThrow({ where: { name: "q-iso-on" } })).id, parameters: {} } });
      const typed = await enqueueRun(db, { applicationName: "IsoTyped" });
      expect(await waitFor("the TypeScript run to end", () => db.history.findUnique({ where: { id: typed.id } }), 60_000)).toMatchObject({ state: "ENDED" });
      expect(readFileSync(runLogFiles(node.logDir, typed.id).stdout, "utf8")).toContain(`ts uid ${uid}`);

      // What the node closed: the install is traverse-only, the database and secrets its own.
      expect(statSync(home).mode & 0o777).toBe(0o711);
      expect(statSync(dbFile).mode & 0o777).toBe(0o600);
      expect(statSync(node.logDir).mode & 0o777).toBe(0o700);
      expect(statSync(node.deliverablesDir).mode & 0o777).toBe(0o700);
    },
    120_000,
  );

  it.skipIf(!isRoot)("an isolated payload is killed with its children, and the reaper ends it when its node dies", async () => {
    const { node, p, queueId } = await attackingNode("iso-kill", account);
    await db.jobDef.create({ data: { applicationName: "IsoSleeper", payloadType: "shell", path: `sleep 300 & echo $! > "$JQM_JI_TEMP_DIR/child.pid"; sleep 300`, queueId, parameters: {} } });
    writeFileSync(
      join(node.jobsDir, "waiter.mjs"),
      `import { writeFileSync } from "node:fs";
       export async function run(ctx) { writeFileSync(ctx.workDir + "/child.pid", String(process.pid)); await new Promise((r) => setTimeout(r, 300_000)); }`,
    );
    await db.jobDef.create({ data: { applicationName: "IsoWaiter", payloadType: "node", path: "waiter.mjs", queueId, parameters: {} } });
    const isAlive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const childPid = (id: number) => {
      const file = join(node.tmpDir, String(id), "child.pid");
      return waitFor(`run ${id}'s pid`, () => (existsSync(file) ? Number(readFileSync(file, "utf8").trim()) : 0));
    };

    for (const app of ["IsoSleeper", "IsoWaiter"]) {
      const { id } = await enqueueRun(db, { applicationName: app });
      const pid = await childPid(id);
      expect(isAlive(pid)).toBe(true);
      await killRun(db, { actor: { ...SYSTEM_ACTOR, login: "operator-ann" }, id });
      expect(await waitFor(`run ${id} to end`, () => db.history.findUnique({ where: { id } }))).toMatchObject({ state: "CRASHED", endReason: "killed by operator-ann" });
      await waitFor(`${app}'s process to die`, () => !isAlive(pid), 10_000);
    }

    const { id } = await enqueueRun(db, { applicationName: "IsoSleeper" });
    const orphan = await childPid(id);
    await stopNodeProcess(p, "SIGKILL");
    await waitFor("the reaper to end the payload of the dead node", () => !isAlive(orphan), 10_000);
  }, 120_000);
});
