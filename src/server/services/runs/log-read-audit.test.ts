import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import formbody from "@fastify/formbody";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "~/env";
import { measureInterfaces } from "~/engine/node-report";
import { type NodeApiConfig, NodeApiServer } from "~/node-api/node-api-server";
import { registerAuth } from "~/node-api/auth";
import { clientApi } from "~/node-api/client-api";
import { simpleApi } from "~/node-api/simple-api";
import type { EngineView } from "~/node-api/types";
import type { Db } from "~/server/db";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import type { Principal } from "~/server/services/auth/get-principal";
import { initDatabase } from "~/server/services/setup/init-database";
import { createUser } from "~/server/services/users/create-user";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";
import { runLogFiles } from "./run-paths";

// The console route reads the signed-in user from next-auth and uses the process-wide client: both
// are pointed at this test's database and user.
const state = vi.hoisted(() => ({ db: null as unknown as Db, principal: null as Principal | null }));
vi.mock("~/server/auth/config", () => ({ getCurrentPrincipal: async () => state.principal }));
vi.mock("~/server/db", async (importOriginal) => {
  const original = await importOriginal<Record<string, unknown>>();
  return {
    ...original,
    get db() {
      return state.db;
    },
  };
});
const { GET: getLog } = await import("~/app/api/runs/[id]/logs/[stream]/route");

let t: TestDb;
let app: FastifyInstance;
let dir: string;
let node: { id: number; name: string; logDir: string; deliverablesDir: string };
let nextRun = 5000;
const LOG = Array.from({ length: 50 }, (_, i) => `secret line ${i}\n`).join("");
const basic: Record<string, string> = {};

/** A finished run of the local node with both logs written. */
async function newRun() {
  const id = ++nextRun;
  await t.db.history.create({
    data: { id, applicationName: "Report", queueName: "default", nodeName: node.name, state: "ENDED", parameters: {}, enqueuedAt: new Date(), endedAt: new Date() },
  });
  const files = runLogFiles(node.logDir, id);
  writeFileSync(files.stdout, LOG);
  writeFileSync(files.stderr, "oops\n");
  return id;
}

/** Audit rows of anyone's read of run `id`'s logs (whole downloads and partial reads). */
const logReads = (id: number) => t.db.auditEvent.findMany({ where: { objectType: "logs", objectId: String(id) }, orderBy: { id: "asc" } });

const consoleLog = (principal: Principal, id: number, stream: string, tail?: number) => {
  state.principal = principal;
  return getLog(new Request(`http://console.test/api/runs/${id}/logs/${stream}${tail ? `?tail=${tail}` : ""}`), { params: Promise.resolve({ id: String(id), stream }) });
};

const nodeGet = (who: string, url: string, headers: Record<string, string> = {}) => app.inject({ method: "GET", url, headers: { authorization: basic[who]!, ...headers } });

beforeAll(async () => {
  t = await createTestDb();
  state.db = t.db;
  await initDatabase(t.db, { migrate: false });
  dir = mkdtempSync(join(tmpdir(), "jobwarden-log-audit-"));
  const logDir = join(dir, "logs");
  const deliverablesDir = join(dir, "deliverables");
  mkdirSync(logDir);
  mkdirSync(deliverablesDir);
  const row = await t.db.node.update({ where: { id: (await t.db.node.findFirstOrThrow()).id }, data: { logDir, deliverablesDir, jobsDir: dir, tmpDir: dir } });
  node = { id: row.id, name: row.name, logDir, deliverablesDir };
  writeFileSync(join(logDir, "engine.1.log"), '{"msg":"started"}\n{"msg":"polling"}\n');

  for (const [who, roles] of Object.entries({ support: ["client read only"], power: ["client power user"], admin: ["administrator"] })) {
    const password = `pw-${who}-0123456789`;
    await createUser(t.db, { actor: SYSTEM_ACTOR, login: `node_${who}`, password, roles });
    basic[who] = `Basic ${Buffer.from(`node_${who}:${password}`).toString("base64")}`;
  }

  app = Fastify();
  await app.register(fastifyStatic, { root: "/", serve: false });
  await app.register(formbody);
  await app.register(swagger, { openapi: { info: { title: "Jobwarden", version: "test" } } });
  registerAuth(app, t.db, () => ({ mode: "basic", anonymousOnNetwork: false }));
  const options = { db: t.db, node: () => node, engine: { allPollersPolling: () => true } as unknown as EngineView, log: pino({ level: "silent" }) };
  await app.register(simpleApi, { ...options, prefix: "/ws/simple" });
  await app.register(clientApi, { ...options, prefix: "/ws/client" });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await t?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`every read of a log leaves an audit row, whatever its range, on ${env.TEST_DB}`, () => {
  it("console: a tail read as large as the whole log is audited once per user, the viewer's later polls are not", async () => {
    const id = await newRun();
    const a = (await callerWithRoles(t.db, ["client read only"])).principal;
    const b = (await callerWithRoles(t.db, ["client read only"])).principal;

    const first = await consoleLog(a, id, "stdout", 1_048_576);
    expect(first.status).toBe(200);
    expect(await first.text()).toBe(LOG);
    expect(await logReads(id)).toEqual([
      expect.objectContaining({ action: "logs.read", login: a.login, userId: a.id, after: expect.objectContaining({ stream: "stdout", node: node.name, tail: 1_048_576 }) }),
    ]);

    for (let i = 0; i < 3; i++) expect(await (await consoleLog(a, id, "stdout", 100)).text()).toBe(LOG.slice(-100));
    expect(await logReads(id)).toHaveLength(1);

    // Another stream, another user: each is a first read.
    await (await consoleLog(a, id, "stderr", 10)).text();
    await (await consoleLog(b, id, "stdout", 10)).text();
    const rows = await logReads(id);
    expect(rows.map((r) => [r.login, (r.after as { stream: string }).stream])).toEqual([
      [a.login, "stdout"],
      [a.login, "stderr"],
      [b.login, "stdout"],
    ]);

    // A whole download is always audited, as before.
    expect(await (await consoleLog(a, id, "stdout")).text()).toBe(LOG);
    expect((await logReads(id)).at(-1)).toMatchObject({ action: "logs.download", login: a.login });
  });

  it("console: the same user's reads are audited again once the last row is older than the follow window", async () => {
    const id = await newRun();
    const a = (await callerWithRoles(t.db, ["client read only"])).principal;
    await (await consoleLog(a, id, "stdout", 10)).text();
    await t.db.auditEvent.updateMany({ where: { objectType: "logs", objectId: String(id) }, data: { at: new Date(Date.now() - 2 * 3600_000) } });
    await (await consoleLog(a, id, "stdout", 10)).text();
    expect(await logReads(id)).toHaveLength(2);
  });

  it("console: a refused read leaves no row", async () => {
    const id = await newRun();
    const nobody = (await callerWithRoles(t.db, ["client"])).principal;
    expect((await consoleLog(nobody, id, "stdout", 10)).status).toBe(403);
    expect(await logReads(id)).toEqual([]);
  });

  it("simple API: /stdout and /stderr with Range: bytes=0- are audited on the first read, not on the follower's next ones", async () => {
    const id = await newRun();
    const whole = await nodeGet("support", `/ws/simple/stdout?id=${id}`, { range: "bytes=0-" });
    expect(whole.statusCode).toBe(206);
    expect(whole.body).toBe(LOG);
    expect(await logReads(id)).toEqual([
      expect.objectContaining({ action: "logs.read", login: "node_support", after: expect.objectContaining({ stream: "stdout", node: node.name, range: "bytes=0-" }) }),
    ]);
    expect((await nodeGet("support", `/ws/simple/stdout?id=${id}`, { range: "bytes=-20" })).statusCode).toBe(206);
    expect(await logReads(id)).toHaveLength(1);

    expect((await nodeGet("support", `/ws/simple/stderr?id=${id}`, { range: "bytes=0-" })).body).toBe("oops\n");
    expect((await logReads(id)).map((r) => (r.after as { stream: string }).stream)).toEqual(["stdout", "stderr"]);

    expect((await nodeGet("support", `/ws/simple/stdout?id=${id}`)).body).toBe(LOG);
    expect((await logReads(id)).at(-1)).toMatchObject({ action: "logs.download", login: "node_support" });
  });

  it("client API: /ji/:id/stdout and /ji/:id/stderr with a Range are audited on the first read", async () => {
    const id = await newRun();
    const res = await nodeGet("power", `/ws/client/ji/${id}/stderr`, { range: "bytes=0-" });
    expect(res.statusCode).toBe(206);
    expect(res.body).toBe("oops\n");
    expect((await nodeGet("power", `/ws/client/ji/${id}/stdout`, { range: "bytes=0-1000000" })).body).toBe(LOG);
    expect((await nodeGet("power", `/ws/client/ji/${id}/stdout`, { range: "bytes=0-" })).statusCode).toBe(206);
    expect((await logReads(id)).map((r) => [r.action, r.login, (r.after as { stream: string }).stream])).toEqual([
      ["logs.read", "node_power", "stderr"],
      ["logs.read", "node_power", "stdout"],
    ]);
  });

  it("simple API without authentication: the anonymous caller's first ranged read is audited with their address", async () => {
    const open = Fastify();
    await open.register(fastifyStatic, { root: "/", serve: false });
    registerAuth(open, t.db, () => ({ mode: "none", anonymousOnNetwork: false }));
    await open.register(simpleApi, { db: t.db, node: () => node, engine: {} as EngineView, log: pino({ level: "silent" }), prefix: "/ws/simple" });
    try {
      const id = await newRun();
      for (let i = 0; i < 2; i++) {
        const res = await open.inject({ method: "GET", url: `/ws/simple/stdout?id=${id}`, headers: { range: "bytes=0-" }, remoteAddress: "127.0.0.1" });
        expect(res.statusCode).toBe(206);
      }
      expect(await logReads(id)).toEqual([expect.objectContaining({ action: "logs.read", login: "anonymous", userId: null, fromAddress: "127.0.0.1" })]);
    } finally {
      await open.close();
    }
  });

  it("simple API: /enginelog is audited on a user's first read, not on the follower's next ones", async () => {
    const engineReads = () => t.db.auditEvent.findMany({ where: { action: "enginelog.read", login: "node_admin" } });
    const res = await nodeGet("admin", "/ws/simple/enginelog?latest=10");
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('"msg":"polling"');
    expect(await engineReads()).toEqual([expect.objectContaining({ objectType: "enginelog", objectId: node.name })]);
    expect((await nodeGet("admin", "/ws/simple/enginelog?latest=10")).statusCode).toBe(200);
    expect(await engineReads()).toHaveLength(1);
  });

  it("console: the engine log viewer's first read is audited, not its polling", async () => {
    const { caller, principal } = await callerWithRoles(t.db, ["config viewer"]);
    const engineReads = () => t.db.auditEvent.findMany({ where: { action: "enginelog.read", userId: principal.id } });
    expect((await caller.node.engineLog({ id: node.id, lines: 5 })).text).toContain('"msg":"started"');
    await caller.node.engineLog({ id: node.id, lines: 5 });
    expect(await engineReads()).toEqual([expect.objectContaining({ objectType: "enginelog", objectId: node.name, login: principal.login })]);
  });
});

describe(`the console reading a log through the node's API (node on another host), on ${env.TEST_DB}`, () => {
  const FAR = "far-node";
  let server: NodeApiServer;
  let farId: number;
  let farRun: number;
  let farLogDir: string;

  beforeAll(async () => {
    const farDir = mkdtempSync(join(tmpdir(), "jobwarden-log-audit-far-"));
    mkdirSync(join(farDir, "logs"));
    mkdirSync(join(farDir, "deliverables"));
    farLogDir = join(farDir, "logs");
    writeFileSync(join(farDir, "logs", "engine.1.log"), '{"msg":"far away"}\n');
    // The database says the node keeps its files where this machine has nothing: the console asks the node.
    const elsewhere = "/nonexistent/jobwarden-far-node";
    const far = await t.db.node.create({
      data: { name: FAR, port: 0, authSimple: "basic", jobsDir: `${elsewhere}/jobs`, deliverablesDir: `${elsewhere}/deliverables`, tmpDir: `${elsewhere}/tmp`, logDir: `${elsewhere}/logs` },
    });
    farId = far.id;
    farRun = ++nextRun;
    await t.db.history.create({
      data: { id: farRun, applicationName: "Report", queueName: "default", nodeName: FAR, state: "ENDED", parameters: {}, enqueuedAt: new Date(), endedAt: new Date() },
    });
    writeFileSync(runLogFiles(join(farDir, "logs"), farRun).stdout, LOG);
    const config: NodeApiConfig = {
      id: far.id,
      name: FAR,
      deliverablesDir: join(farDir, "deliverables"),
      logDir: join(farDir, "logs"),
      host: "127.0.0.1",
      port: 0,
      loadApiClient: false,
      mgmtRemotePort: null,
      tlsEnabled: false,
      tlsCertPath: null,
      tlsKeyPath: null,
      tlsCaPath: null,
      authSimple: "basic",
      authClient: "basic",
      authMgmt: "basic",
      anonymousConfirmed: false,
      allowedHosts: "",
    };
    server = new NodeApiServer(t.db, { allPollersPolling: () => true } as unknown as EngineView, pino({ level: "silent" }));
    await server.apply(config);
    const report = { pid: process.pid, version: "test", startedAt: new Date(), listeners: server.report() as object, interfaces: measureInterfaces(), pathModes: {}, counters: {} };
    await t.db.nodeReport.create({ data: { nodeId: far.id, ...report } });
    await t.db.node.update({ where: { id: far.id }, data: { lastSeenAlive: new Date() } });
  });
  afterAll(async () => {
    await server?.closeAll();
  });

  it("a user's tail reads through the node leave one row, as that user; a whole download is audited", async () => {
    const a = (await callerWithRoles(t.db, ["client read only"])).principal;
    for (let i = 0; i < 3; i++) {
      const res = await consoleLog(a, farRun, "stdout", 1_048_576);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(LOG);
    }
    expect((await logReads(farRun)).map((r) => [r.action, r.userId])).toEqual([["logs.read", a.id]]);
    // An empty log too: one row for its first read, none for the polls.
    writeFileSync(runLogFiles(farLogDir, farRun).stderr, "");
    for (let i = 0; i < 2; i++) {
      const empty = await consoleLog(a, farRun, "stderr", 1000);
      expect([empty.status, await empty.text(), empty.headers.get("x-log-size")]).toEqual([200, "", "0"]);
    }
    expect((await logReads(farRun)).map((r) => [r.action, (r.after as { stream: string }).stream])).toEqual([
      ["logs.read", "stdout"],
      ["logs.read", "stderr"],
    ]);
    expect(await (await consoleLog(a, farRun, "stdout")).text()).toBe(LOG);
    expect((await logReads(farRun)).at(-1)).toMatchObject({ action: "logs.download", userId: a.id, after: expect.objectContaining({ via: "node-api" }) });
  });

  it("the engine log viewer reading through the node leaves one row per user", async () => {
    const { caller, principal } = await callerWithRoles(t.db, ["config viewer"]);
    for (let i = 0; i < 2; i++) expect((await caller.node.engineLog({ id: farId, lines: 5 })).text).toContain("far away");
    expect(await t.db.auditEvent.findMany({ where: { action: "enginelog.read", userId: principal.id } })).toEqual([
      expect.objectContaining({ objectType: "enginelog", objectId: FAR }),
    ]);
  });
});

