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
import { type NodeProcess, startNodeProcess, stopNodeProcess, waitFor } from "~/test/node-process";
import { openInstallToOtherAccounts } from "~/test/reachable-install";

/**
 * Issue 11, finding 1, deliverables: an isolated payload must not make its node (root here) take a
 * file of the node's by path. The payload links a directory of its work dir to the node's install, or
 * replaces its delivery dir by such a link, or writes protocol lines of its own, and hands over the
 * database and the session secret. The node refuses each, and the files stay where they are.
 */
const isRoot = process.getuid?.() === 0;
const home = mkdtempSync(join(tmpdir(), "jobwarden-isolation-deliverables-"));
const dbFile = join(home, "jobwarden.db");
const secretFile = join(home, "session-secret");
const sessionSecret = `session-secret-${randomBytes(16).toString("hex")}`;
const account = `jwdel-${randomBytes(4).toString("hex")}`;
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
  writeFileSync(secretFile, sessionSecret, { mode: 0o600 });
  db = createDb(`file:${dbFile}`);
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

/** Lines a payload writes past ctx (fd 1 is the protocol), and the replies the node sends back. */
const forge = (calls: [number, string][]) => `
  const replies = [];
  process.stdin.on("data", (d) => replies.push(...String(d).split("\\n").filter((l) => l.includes('"callId":90'))));
  for (const [callId, path] of ${JSON.stringify(calls)}) {
    writeSync(1, JSON.stringify({ type: "call", callId, method: "addDeliverable", args: [path] }) + "\\n");
  }
  for (let i = 0; i < 400 && replies.length < ${calls.length}; i++) await new Promise((r) => setTimeout(r, 50));
  for (const r of replies) ctx.log("FORGED", r);`;

const jobs = {
  // Links a directory of its work dir to the node's install, hands over through it; an honest file too.
  LinkedDir: `import { symlinkSync, writeFileSync, writeSync } from "node:fs";
    export async function run(ctx) {
      symlinkSync(${JSON.stringify(home)}, ctx.workDir + "/d");
      for (const f of ["d/jobwarden.db", "d/session-secret", ${JSON.stringify(dbFile)}]) {
        try { await ctx.addDeliverable(f); ctx.log("TAKEN", f); } catch (err) { ctx.log("REFUSED", f, err.message); }
      }
      writeFileSync(ctx.workDir + "/honest.txt", "honest");
      await ctx.addDeliverable("honest.txt", "reports");
      ${forge([
        [9001, dbFile],
        [9002, "d/session-secret"],
        [9003, "../d/jobwarden.db"],
        [9004, "delivery/../d/jobwarden.db"],
      ])}
    }`,
  // Replaces its delivery dir by a link to the node's install, then names a file of it.
  LinkedDelivery: `import { rmSync, symlinkSync, writeSync } from "node:fs";
    export async function run(ctx) {
      rmSync(ctx.deliveryDir, { recursive: true });
      symlinkSync(${JSON.stringify(home)}, ctx.deliveryDir);
      ${forge([
        [9005, "jobwarden.db"],
        [9006, "session-secret"],
      ])}
    }`,
};
const shellLinkedDelivery = `rm -rf "$JQM_JI_DELIVERY_DIR" && ln -s ${home} "$JQM_JI_DELIVERY_DIR" && ls "$JQM_JI_DELIVERY_DIR/"; echo "linked $?"`;

/** What an administrator would check: the files are in place, and no deliverable holds them. */
async function installIntact(deliverablesDir: string, before: { db: number; secret: number }) {
  expect(statSync(dbFile).ino).toBe(before.db);
  expect(readFileSync(dbFile).subarray(0, 15).toString()).toBe("SQLite format 3");
  expect(statSync(secretFile).ino).toBe(before.secret);
  expect(readFileSync(secretFile, "utf8")).toBe(sessionSecret);
  const fresh = new Database(dbFile, { readonly: true });
  try {
    expect((fresh.prepare("select count(*) as n from Node").get() as { n: number }).n).toBeGreaterThan(0);
  } finally {
    fresh.close();
  }
  const rows = await db.deliverable.findMany();
  expect(rows.map((d) => d.originalName).filter((n) => n !== "honest.txt")).toEqual([]);
  const stored = existsSync(deliverablesDir) ? readdirSync(deliverablesDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()) : [];
  for (const e of stored) {
    const content = readFileSync(join(e.parentPath, e.name));
    expect(content.includes("SQLite format 3") || content.includes(sessionSecret), join(e.parentPath, e.name)).toBe(false);
  }
}

describe.skipIf(!isRoot)(
  `an isolated payload's deliverables (issue 11, finding 1)${isRoot ? "" : " — skipped: not root, cannot create a throwaway account (CI runs as root)"}`,
  () => {
    it("the node takes no file of its own through a link, a forged protocol line or a linked delivery dir", async () => {
      const root = join(home, "nodes", "del-iso");
      const queue = await db.queue.create({ data: { name: "q-del-iso" } });
      const node = await db.node.create({
        data: {
          name: "del-iso",
          port: 0,
          payloadUser: account,
          jobsDir: join(root, "jobs"),
          deliverablesDir: join(root, "deliverables"),
          tmpDir: join(root, "tmp"),
          logDir: join(root, "logs"),
          mappings: { create: { queueId: queue.id, maxThreads: 1, pollingIntervalMs: 200 } },
        },
      });
      mkdirSync(node.jobsDir, { recursive: true });
      for (const [name, code] of Object.entries(jobs)) {
        writeFileSync(join(node.jobsDir, `${name}.mjs`), code);
        await db.jobDef.create({ data: { applicationName: name, payloadType: "node", path: `${name}.mjs`, queueId: queue.id, parameters: {} } });
      }
      await db.jobDef.create({ data: { applicationName: "ShellLinkedDelivery", payloadType: "shell", path: shellLinkedDelivery, queueId: queue.id, parameters: {} } });
      const before = { db: statSync(dbFile).ino, secret: statSync(secretFile).ino };
      const p = startNodeProcess("del-iso", `file:${dbFile}`, { JOBWARDEN_HOME: home });
      started.push(p);

      const runOf = async (applicationName: string) => {
        const { id } = await enqueueRun(db, { applicationName });
        const run = await waitFor(`run ${id} to end`, () => db.history.findUnique({ where: { id } }), 60_000).catch((err: Error) => {
          throw new Error(`${err.message}\n${p.output()}`);
        });
        const logs = runLogFiles(node.logDir, id);
        const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");
        return { run, output: `${read(logs.stdout)}\n${read(logs.stderr)}`, deliverables: await db.deliverable.findMany({ where: { jobInstanceId: id } }) };
      };

      const linked = await runOf("LinkedDir");
      expect(linked.run, linked.output).toMatchObject({ state: "ENDED", returnCode: 0 });
      // The payload's own process, as the payload account, cannot move the node's files.
      for (const f of ["d/jobwarden.db", "d/session-secret"]) expect(linked.output).toMatch(new RegExp(`REFUSED ${f} EACCES`));
      expect(linked.output).toContain(`REFUSED ${dbFile} addDeliverable: the file must be inside the run's work directory`);
      expect(linked.output).not.toContain("TAKEN");
      for (const callId of [9001, 9002, 9003, 9004]) {
        expect(linked.output).toMatch(new RegExp(`FORGED .*"callId":${callId},"error":"addDeliverable: an isolated payload names a file of its delivery directory, never a path: refused"`));
      }
      expect(linked.deliverables.map((d) => [d.originalName, d.fileFamily])).toEqual([["honest.txt", "reports"]]);
      expect(readFileSync(join(node.deliverablesDir, linked.deliverables[0]!.storedPath), "utf8")).toBe("honest");
      await installIntact(node.deliverablesDir, before);

      const swapped = await runOf("LinkedDelivery");
      for (const callId of [9005, 9006]) {
        expect(swapped.output).toMatch(new RegExp(`FORGED .*"callId":${callId},"error":"the delivery directory was replaced by a link or a file: refused"`));
      }
      expect(swapped.run.state, swapped.output).toBe("CRASHED");
      expect(swapped.run.endReason).toBe("could not store its deliverables: the delivery directory was replaced by a link or a file: refused");
      expect(swapped.deliverables).toEqual([]);
      await installIntact(node.deliverablesDir, before);

      const shell = await runOf("ShellLinkedDelivery");
      expect(shell.output).toMatch(/linked [1-9]/); // the account cannot list the node's install itself
      expect(shell.run.state, shell.output).toBe("CRASHED");
      expect(shell.run.endReason).toBe("could not store its deliverables: the delivery directory was replaced by a link or a file: refused");
      expect(shell.deliverables).toEqual([]);
      await installIntact(node.deliverablesDir, before);
      // Their work dirs are gone (removed as the payload account), the links with them.
      await waitFor("the last run's work dir to be removed", () => readdirSync(node.tmpDir).length === 0);
    }, 240_000);
  },
);
