import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import type { Principal } from "~/server/services/auth/get-principal";
import { initDatabase } from "~/server/services/setup/init-database";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";
import { authorizeDownload, findDeliverableDownload, findRunLogDownload, parseRunLogRequest } from "./downloads";
import { runLogFiles } from "./run-paths";

let t: TestDb;
let dir: string;
let here: { name: string; deliverablesDir: string; logDir: string };
const ELSEWHERE = "/nonexistent/jobwarden-downloads-test";
const RUN = 880_001;
const FAR_RUN = 880_002;
const id = (n: number) => n.toString(16).padStart(32, "0");

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  dir = mkdtempSync(join(tmpdir(), "jobwarden-downloads-"));
  here = { name: "here", deliverablesDir: join(dir, "deliverables"), logDir: join(dir, "logs") };
  mkdirSync(join(here.deliverablesDir, String(RUN)), { recursive: true });
  mkdirSync(here.logDir);
  writeFileSync(join(here.deliverablesDir, String(RUN), "report.csv"), "a;b\n");
  writeFileSync(join(dir, "secret.txt"), "not a deliverable\n");
  symlinkSync(join(dir, "secret.txt"), join(here.deliverablesDir, String(RUN), "link.csv"));
  writeFileSync(runLogFiles(here.logDir, RUN).stdout, "out\n");
  await t.db.node.create({ data: { name: "here", jobsDir: dir, tmpDir: dir, deliverablesDir: here.deliverablesDir, logDir: here.logDir } });
  await t.db.node.create({ data: { name: "far", jobsDir: ELSEWHERE, tmpDir: ELSEWHERE, deliverablesDir: `${ELSEWHERE}/d`, logDir: `${ELSEWHERE}/l` } });
  const ended = { applicationName: "Report", queueName: "DEFAULT", state: "ENDED" as const, parameters: {}, enqueuedAt: new Date(), endedAt: new Date() };
  await t.db.history.createMany({ data: [{ id: RUN, nodeName: "here", ...ended }, { id: FAR_RUN, nodeName: "far", ...ended }] });
  const file = { jobInstanceId: RUN, nodeName: "here", size: 4, sha256: "x" };
  await t.db.deliverable.createMany({
    data: [
      { ...file, originalName: "report.csv", storedPath: `${RUN}/report.csv`, downloadId: id(1) },
      { ...file, originalName: "link.csv", storedPath: `${RUN}/link.csv`, downloadId: id(2) },
      { ...file, originalName: "up.csv", storedPath: "../secret.txt", downloadId: id(3) },
      { ...file, jobInstanceId: FAR_RUN, nodeName: "far", originalName: "far.csv", storedPath: `${FAR_RUN}/far.csv`, downloadId: id(4) },
      { ...file, nodeName: "gone", originalName: "gone.csv", storedPath: "x", downloadId: id(5) },
    ],
  });
});
afterAll(async () => {
  await t.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`downloads (find, authorise, audit, locate), on ${env.TEST_DB}`, () => {
  it("authorises a signed-in user holding the permission, with their audit actor", async () => {
    const support: Principal = (await callerWithRoles(t.db, ["client read only"])).principal;
    const caller = { principal: support, fromAddress: "10.0.0.9", userAgent: "ua" };
    expect(authorizeDownload(caller, "files:read").actor).toEqual({ userId: support.id, login: support.login, fromAddress: "10.0.0.9", userAgent: "ua" });
    expect(() => authorizeDownload({ ...caller, principal: null }, "files:read")).toThrow(expect.objectContaining({ code: "UNAUTHORIZED" }));
    const client = (await callerWithRoles(t.db, ["client"])).principal;
    expect(() => authorizeDownload({ ...caller, principal: client }, "logs:read")).toThrow(expect.objectContaining({ code: "FORBIDDEN", message: "Permission logs:read is required" }));
  });

  it("locates a deliverable on this disk, audits it, and refuses anything resolving outside its directory", async () => {
    const found = await findDeliverableDownload(t.db, SYSTEM_ACTOR, { downloadId: id(1).toUpperCase() });
    expect(found).toMatchObject({ fileName: "report.csv", contentType: "text/csv; charset=utf-8", location: { where: "local", size: 4 } });
    await found.audit();
    expect(await t.db.auditEvent.findFirst({ where: { action: "files.download" }, orderBy: { id: "desc" } })).toMatchObject({ after: { run: RUN, name: "report.csv", node: "here" } });

    for (const [n, message] of [
      [2, `The file link.csv of run ${RUN} is missing on node here`],
      [3, `The file up.csv of run ${RUN} is missing on node here`],
      [5, "The file was stored on node gone, which no longer exists"],
      [6, "No such file"],
    ] as const) {
      await expect(findDeliverableDownload(t.db, SYSTEM_ACTOR, { downloadId: id(n) })).rejects.toMatchObject({ code: "NOT_FOUND", message });
    }
    await expect(findDeliverableDownload(t.db, SYSTEM_ACTOR, { downloadId: "../../etc/passwd" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("says which node to ask when the node's directory is not on this machine", async () => {
    const found = await findDeliverableDownload(t.db, SYSTEM_ACTOR, { downloadId: id(4) });
    expect(found.location).toEqual({ where: "node", nodeName: "far", nodePath: `/ws/simple/file?id=${id(4)}` });
    const log = await findRunLogDownload(t.db, SYSTEM_ACTOR, { id: FAR_RUN, stream: "stderr" });
    expect(log).toMatchObject({ nodeName: "far", fileName: `${FAR_RUN}.stderr.txt`, location: { where: "node", nodeName: "far", nodePath: `/ws/simple/stderr?id=${FAR_RUN}` } });
  });

  it("serves a node API only its own files, from its own directories", async () => {
    const own = await findDeliverableDownload(t.db, SYSTEM_ACTOR, { id: (await t.db.deliverable.findUniqueOrThrow({ where: { downloadId: id(1) } })).id }, here);
    expect(own.location).toMatchObject({ where: "local", size: 4 });
    await expect(findDeliverableDownload(t.db, SYSTEM_ACTOR, { downloadId: id(4) }, here)).rejects.toMatchObject({ code: "NOT_FOUND", message: "This file is stored on node far" });
    await expect(findRunLogDownload(t.db, SYSTEM_ACTOR, { id: FAR_RUN, stream: "stdout" }, here)).rejects.toMatchObject({ message: `Run ${FAR_RUN} ran on node far` });
    // Its own directory missing: missing, never "ask the node" (itself).
    const lost = { ...here, name: "far", deliverablesDir: `${ELSEWHERE}/d` };
    await expect(findDeliverableDownload(t.db, SYSTEM_ACTOR, { downloadId: id(4) }, lost)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("locates a run's log and audits a tail read once per follower", async () => {
    const log = await findRunLogDownload(t.db, SYSTEM_ACTOR, { id: RUN, stream: "stdout" });
    expect(log.location).toMatchObject({ where: "local", size: 4 });
    await log.audit({ whole: false, tail: 10 });
    await log.audit({ whole: false, tail: 10 });
    await log.audit({ whole: true });
    const rows = await t.db.auditEvent.findMany({ where: { objectType: "logs", objectId: String(RUN) }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.action)).toEqual(["logs.read", "logs.download"]);
    await expect(findRunLogDownload(t.db, SYSTEM_ACTOR, { id: RUN, stream: "stderr" })).rejects.toMatchObject({ code: "NOT_FOUND", message: `No stderr log for run ${RUN}` });
    await expect(findRunLogDownload(t.db, SYSTEM_ACTOR, { id: 999_999, stream: "stdout" })).rejects.toMatchObject({ message: "No run with id 999999" });
  });

  it("parses the console's log request, refusing malformed ids, streams and tails", () => {
    expect(parseRunLogRequest({ id: "42", stream: "stderr", tail: "100" })).toEqual({ id: 42, stream: "stderr", tail: 100 });
    expect(parseRunLogRequest({ id: "42", stream: "stdout", tail: null })).toEqual({ id: 42, stream: "stdout", tail: null });
    for (const raw of [
      { id: "0", stream: "stdout", tail: null },
      { id: "2147483648", stream: "stdout", tail: null },
      { id: "1", stream: "../x", tail: null },
      { id: "1", stream: "stdout", tail: "0" },
      { id: "1", stream: "stdout", tail: String(1024 * 1024 + 1) },
    ]) {
      expect(() => parseRunLogRequest(raw), JSON.stringify(raw)).toThrow(expect.objectContaining({ code: "BAD_REQUEST" }));
    }
  });
});
