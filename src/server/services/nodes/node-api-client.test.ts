import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "~/env";
import { measureInterfaces } from "~/engine/node-report";
import type { ApiAuthMode } from "~/generated/sqlite/enums";
import { type NodeApiConfig, NodeApiServer } from "~/node-api/node-api-server";
import type { EngineView } from "~/node-api/types";
import type { Db } from "~/server/db";
import type { Principal } from "~/server/services/auth/get-principal";
import { initDatabase } from "~/server/services/setup/init-database";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";
import { readEngineLog } from "./engine-log";
import { PROXY_TOKEN_NAME, nodeApiHost, sameMachine } from "./node-api-client";

// The route handlers read the signed-in user from next-auth and use the process-wide client: both
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
const { GET: getFile } = await import("~/app/api/files/[downloadId]/route");
const { GET: getLog } = await import("~/app/api/runs/[id]/logs/[stream]/route");

let t: TestDb;
let server: NodeApiServer;
let config: NodeApiConfig;
let support: Principal;
let client: Principal;
let operator: Principal;
const RUN_ID = 4242;
const DOWNLOAD_ID = "0123456789abcdef0123456789abcdef";
const LOG = Array.from({ length: 20 }, (_, i) => `line ${String(i).padStart(2, "0")}\n`).join("");
const NODE_NAME = "far-away";
/** Where the database says the node keeps its files: not on this machine. */
const ELSEWHERE = "/nonexistent/jobwarden-far-away";
let nodeId: number;
let nearId: number;
const NEAR_RUN = 777;

const engine = { allPollersPolling: () => true } as unknown as EngineView;

/** Opens the in-process listener for `mode` and publishes it in the node's report, as a heartbeat does. */
async function serve(mode: ApiAuthMode) {
  config = { ...config, authSimple: mode };
  await server.apply(config);
  await publish();
}
async function publish(listeners: unknown = server.report(), lastSeenAlive: Date | null = new Date()) {
  const report = { pid: process.pid, version: "test", startedAt: new Date(), listeners: listeners as object, interfaces: measureInterfaces(), pathModes: {}, counters: {} };
  await t.db.nodeReport.upsert({ where: { nodeId }, create: { nodeId, ...report }, update: report });
  await t.db.node.update({ where: { id: nodeId }, data: { lastSeenAlive, authSimple: config.authSimple } });
}

const as = (principal: Principal | null) => {
  state.principal = principal;
};
const file = (downloadId = DOWNLOAD_ID) => getFile(new Request(`http://console.test/api/files/${downloadId}`), { params: Promise.resolve({ downloadId }) });
const log = (stream: string, tail?: number) =>
  getLog(new Request(`http://console.test/api/runs/${RUN_ID}/logs/${stream}${tail ? `?tail=${tail}` : ""}`), { params: Promise.resolve({ id: String(RUN_ID), stream }) });
const audits = (action: string) => t.db.auditEvent.findMany({ where: { action }, orderBy: { id: "asc" } });

beforeAll(async () => {
  t = await createTestDb();
  state.db = t.db;
  await initDatabase(t.db, { migrate: false });
  support = (await callerWithRoles(t.db, ["client read only"])).principal;
  client = (await callerWithRoles(t.db, ["client"])).principal;
  operator = (await callerWithRoles(t.db, ["client power user"])).principal;

  // Directory A: what the node really serves. The database row points elsewhere.
  const a = mkdtempSync(join(tmpdir(), "jobwarden-remote-"));
  for (const d of ["deliverables/4242", "logs"]) mkdirSync(join(a, d), { recursive: true });
  writeFileSync(join(a, "deliverables/4242/report.csv"), "id;value\n1;été\n");
  writeFileSync(join(a, "logs", `${String(RUN_ID).padStart(10, "0")}.stdout.log`), LOG);
  writeFileSync(join(a, "logs", `${String(RUN_ID).padStart(10, "0")}.stderr.log`), "");
  writeFileSync(join(a, "logs", "engine.1.log"), '{"msg":"old"}\n');
  writeFileSync(join(a, "logs", "engine.2.log"), '{"msg":"started"}\n{"msg":"polling"}\n{"msg":"run 4242 ended"}\n');

  const near = await t.db.node.create({
    data: { name: "near", jobsDir: a, deliverablesDir: join(a, "deliverables"), tmpDir: a, logDir: join(a, "logs") },
  });
  nearId = near.id;
  await t.db.history.create({
    data: { id: NEAR_RUN, applicationName: "Report", queueName: "default", nodeName: "near", state: "ENDED", parameters: {}, enqueuedAt: new Date(), endedAt: new Date() },
  });
  writeFileSync(join(a, "logs", `${String(NEAR_RUN).padStart(10, "0")}.stdout.log`), LOG);

  const node = await t.db.node.create({
    data: { name: NODE_NAME, port: 0, jobsDir: `${ELSEWHERE}/jobs`, deliverablesDir: `${ELSEWHERE}/deliverables`, tmpDir: `${ELSEWHERE}/tmp`, logDir: `${ELSEWHERE}/logs` },
  });
  nodeId = node.id;
  await t.db.history.create({
    data: { id: RUN_ID, applicationName: "Report", queueName: "default", nodeName: NODE_NAME, state: "ENDED", parameters: {}, enqueuedAt: new Date(), endedAt: new Date() },
  });
  await t.db.deliverable.create({
    data: { jobInstanceId: RUN_ID, nodeName: NODE_NAME, originalName: "rapport\u0007été.csv", storedPath: "4242/report.csv", size: 16, sha256: "x", downloadId: DOWNLOAD_ID },
  });

  config = {
    id: node.id,
    name: NODE_NAME,
    deliverablesDir: join(a, "deliverables"),
    logDir: join(a, "logs"),
    host: "127.0.0.1",
    port: 0,
    loadApiClient: false,
    mgmtRemotePort: null,
    tlsEnabled: false,
    tlsCertPath: null,
    tlsKeyPath: null,
    tlsCaPath: null,
    authSimple: "none",
    authClient: "basic",
    authMgmt: "basic",
    anonymousConfirmed: false,
    allowedHosts: "",
  };
  server = new NodeApiServer(t.db, engine, pino({ level: "silent" }));
  await serve("none");
});
afterAll(async () => {
  await server?.closeAll();
  await t.drop();
});

describe(`downloads from a node on another host, on ${env.TEST_DB}`, () => {
  it("streams a deliverable through the node's API with the console's own headers, audited on both sides", async () => {
    as(support);
    const res = await file();
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("id;value\n1;été\n");
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="rapport_\?t\?\.csv"; filename\*=UTF-8''rapport_%C3%A9t%C3%A9\.csv$/);
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const [onNode, onConsole] = await audits("files.download");
    expect(onConsole).toMatchObject({ login: support.login, objectId: expect.any(String), after: { run: RUN_ID, node: NODE_NAME, via: "node-api" } });
    // authSimple none: the node audits its anonymous caller.
    expect(onNode).toMatchObject({ login: "anonymous", after: { run: RUN_ID, node: NODE_NAME } });
    expect(await t.db.apiToken.count()).toBe(0);
  });

  it("serves the log viewer's tail window from the node with x-log-size and x-log-start", async () => {
    as(support);
    const tail = await log("stdout", 16);
    expect(tail.status).toBe(200);
    expect(await tail.text()).toBe(LOG.slice(-16));
    expect(tail.headers.get("x-log-size")).toBe(String(LOG.length));
    expect(tail.headers.get("x-log-start")).toBe(String(LOG.length - 16));
    expect(tail.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(tail.headers.get("content-disposition")).toBeNull();

    const whole = await log("stdout", 100_000);
    expect(await whole.text()).toBe(LOG);
    expect([whole.headers.get("x-log-size"), whole.headers.get("x-log-start")]).toEqual([String(LOG.length), "0"]);

    const empty = await log("stderr", 1000);
    expect(empty.status).toBe(200);
    expect(await empty.text()).toBe("");
    expect([empty.headers.get("x-log-size"), empty.headers.get("x-log-start")]).toEqual(["0", "0"]);
    // The console does not audit the viewer's polling (the node audits each call it serves).
    expect((await audits("logs.download")).filter((e) => (e.after as { via?: string }).via)).toEqual([]);
  });

  it("downloads a whole log from the node as an attachment, audited with via node-api", async () => {
    as(support);
    const res = await log("stdout");
    expect(await res.text()).toBe(LOG);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename=${RUN_ID}.stdout.txt`);
    const onConsole = (await audits("logs.download")).at(-1);
    expect(onConsole).toMatchObject({ login: support.login, objectId: String(RUN_ID), after: { stream: "stdout", node: NODE_NAME, via: "node-api" } });
  });

  it("still reads a node's files from this machine's disk when its directory is here", async () => {
    as(support);
    const before = await t.db.apiToken.count();
    const tail = await getLog(new Request(`http://console.test/api/runs/${NEAR_RUN}/logs/stdout?tail=8`), { params: Promise.resolve({ id: String(NEAR_RUN), stream: "stdout" }) });
    expect(await tail.text()).toBe(LOG.slice(-8));
    expect([tail.headers.get("x-log-size"), tail.headers.get("x-log-start")]).toEqual([String(LOG.length), String(LOG.length - 8)]);
    const whole = await getLog(new Request(`http://console.test/api/runs/${NEAR_RUN}/logs/stdout`), { params: Promise.resolve({ id: String(NEAR_RUN), stream: "stdout" }) });
    expect(await whole.text()).toBe(LOG);
    expect((await audits("logs.download")).at(-1)).toMatchObject({ objectId: String(NEAR_RUN), after: { stream: "stdout", node: "near" } });
    expect((await audits("logs.download")).at(-1)?.after).not.toHaveProperty("via");
    expect(await t.db.apiToken.count()).toBe(before);
  });

  it("passes on the node's 404 for a file that is gone there", async () => {
    as(support);
    await t.db.history.create({
      data: { id: RUN_ID + 1, applicationName: "Report", queueName: "default", nodeName: NODE_NAME, state: "ENDED", parameters: {}, enqueuedAt: new Date(), endedAt: new Date() },
    });
    const res = await getLog(new Request(`http://console.test/api/runs/${RUN_ID + 1}/logs/stdout?tail=10`), { params: Promise.resolve({ id: String(RUN_ID + 1), stream: "stdout" }) });
    expect(res.status).toBe(404);
    expect((await res.json()).message).toBe(`No stdout log for run ${RUN_ID + 1}`);
  });

  it("refuses a user without files:read or logs:read before asking the node", async () => {
    as(client);
    const before = await t.db.auditEvent.count();
    const res = await file();
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: "FORBIDDEN", message: "Permission files:read is required" });
    expect((await log("stdout", 10)).status).toBe(403);
    as(null);
    expect((await file()).status).toBe(401);
    // Nothing reached the node: it would have audited the call.
    expect(await t.db.auditEvent.count()).toBe(before);
  });

  it("sends a basic-mode node a 60-second token of the signed-in user, scoped to the one permission", async () => {
    await serve("basic");
    as(operator);
    const started = Date.now();
    const res = await file();
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("id;value\n1;été\n");
    const tokens = await t.db.apiToken.findMany({ where: { userId: operator.id } });
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ name: PROXY_TOKEN_NAME, scopes: ["files:read"], revokedAt: null });
    expect(tokens[0]!.expiresAt.getTime()).toBeGreaterThan(started + 50_000);
    expect(tokens[0]!.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 60_000);
    // The node authenticated the user (not anonymous) and audited as them.
    const [onNode, onConsole] = (await audits("files.download")).slice(-2);
    expect(onNode).toMatchObject({ login: operator.login, after: { node: NODE_NAME } });
    expect(onNode?.after).not.toHaveProperty("via");
    expect(onConsole).toMatchObject({ login: operator.login, after: { node: NODE_NAME, via: "node-api" } });

    // A second request reuses the live token; the log gets its own logs:read token.
    expect((await file()).status).toBe(200);
    expect((await log("stdout", 5)).status).toBe(200);
    const after = await t.db.apiToken.findMany({ where: { userId: operator.id }, orderBy: { id: "asc" } });
    expect(after.map((x) => x.scopes)).toEqual([["files:read"], ["logs:read"]]);
  });

  it("lets the node re-check the user's permissions through the token", async () => {
    // The console allowed the user; the node (same database) no longer does: its 403 is passed on.
    as(operator);
    await t.db.user.update({ where: { id: operator.id }, data: { roles: { set: [] } } });
    const res = await log("stdout", 5);
    expect(res.status).toBe(403);
    expect((await res.json()).message).toMatch(new RegExp(`^Node ${NODE_NAME} refused: `));
  });

  it("answers 502 for a node that requires client certificates, without trying", async () => {
    await serve("certificate");
    as(support);
    const res = await file();
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ error: "BAD_GATEWAY", message: `Node ${NODE_NAME} requires client certificates; the console cannot fetch from it` });
  });

  it("answers 502 naming the node when it is down, not running or silent, and 504 when it does not answer", async () => {
    await serve("none");
    as(support);
    const listeners = server.report();
    const port = listeners.find((l) => l.api === "simple")!.port!;
    await server.closeAll();
    const refused = await file();
    expect(refused.status).toBe(502);
    expect((await refused.json()).message).toBe(`Cannot reach node ${NODE_NAME} at 127.0.0.1:${port}: connection refused (is the node running?)`);

    await publish(listeners, null);
    const never = await log("stdout", 10);
    expect(never.status).toBe(502);
    expect((await never.json()).message).toMatch(new RegExp(`^Node ${NODE_NAME} is not running: `));
    await publish(listeners, new Date(Date.now() - 3_600_000));
    expect((await (await file()).json()).message).toMatch(/is not running \(last heartbeat .*\)/);

    await publish([]);
    expect((await (await file()).json()).message).toBe(`Node ${NODE_NAME} has not reported a simple API listener`);

    // Accepts the connection, never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentPort = (silent.address() as { port: number }).port;
    await publish(listeners.map((l) => (l.api === "simple" ? { ...l, port: silentPort } : l)));
    try {
      const timedOut = await file();
      expect(timedOut.status).toBe(504);
      expect((await timedOut.json()).message).toBe(`No answer from node ${NODE_NAME} at 127.0.0.1:${silentPort} within 10 s`);
    } finally {
      silent.close();
      silent.unref();
    }
  }, 25_000);
});

describe(`engine log of a node, on ${env.TEST_DB}`, () => {
  it("reads the engine log through the node's API when its log directory is elsewhere", async () => {
    await serve("basic");
    const admin = (await callerWithRoles(t.db, ["administrator"])).principal;
    const res = await readEngineLog(t.db, { nodeId, lines: 2, principal: admin });
    expect(res).toEqual({ source: "node-api", text: '{"msg":"polling"}\n{"msg":"run 4242 ended"}\n' });
    const [token] = await t.db.apiToken.findMany({ where: { userId: admin.id } });
    expect(token).toMatchObject({ name: PROXY_TOKEN_NAME, scopes: ["node:read"] });
  });

  it("reads it from the disk when the log directory is on this machine", async () => {
    const admin = (await callerWithRoles(t.db, ["administrator"])).principal;
    expect(await readEngineLog(t.db, { nodeId: nearId, lines: 1, principal: admin })).toEqual({ source: "local", text: '{"msg":"run 4242 ended"}\n' });
  });

  it("refuses bad line counts, missing permissions and unknown nodes", async () => {
    await expect(readEngineLog(t.db, { nodeId, lines: 0, principal: support })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(readEngineLog(t.db, { nodeId, lines: 10_001, principal: support })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(readEngineLog(t.db, { nodeId, lines: 10, principal: support })).rejects.toMatchObject({ code: "FORBIDDEN", message: "Permission node:read is required" });
    await expect(readEngineLog(t.db, { nodeId: 999_999, lines: 10, principal: client })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("names the node when it cannot be reached", async () => {
    await server.closeAll();
    await expect(readEngineLog(t.db, { nodeId, lines: 10, principal: client })).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`^Cannot reach node ${NODE_NAME} at 127\\.0\\.0\\.1:\\d+: connection refused`)),
    });
  });
});

describe("choosing the node's address", () => {
  const ifaces = [
    { name: "lo", address: "127.0.0.1", family: "IPv4", internal: true },
    { name: "eth0", address: "fe80::1", family: "IPv6", internal: false },
    { name: "eth0", address: "2001:db8::5", family: "IPv6", internal: false },
    { name: "eth0", address: "10.0.0.5", family: "IPv4", internal: false },
  ];
  const elsewhere = ["192.168.1.9"];
  it("uses a specific address as is and a reachable address of the same family for a wildcard", () => {
    expect(nodeApiHost("n", "10.0.0.7", ifaces, elsewhere)).toBe("10.0.0.7");
    expect(nodeApiHost("n", "0.0.0.0", ifaces, elsewhere)).toBe("10.0.0.5");
    expect(nodeApiHost("n", "::", ifaces, elsewhere)).toBe("[2001:db8::5]");
    expect(nodeApiHost("n", "::", ifaces.filter((i) => i.family === "IPv4"), elsewhere)).toBe("10.0.0.5");
  });
  it("uses loopback only for a node on this machine", () => {
    const ours = ["10.0.0.5", "2001:db8::5", "fe80::1"].sort();
    expect(sameMachine(ifaces, ours)).toBe(true);
    expect(nodeApiHost("n", "127.0.0.1", ifaces, ours)).toBe("127.0.0.1");
    expect(nodeApiHost("n", "0.0.0.0", ifaces.slice(0, 1), ["127.0.0.1"].filter(() => false))).toBe("127.0.0.1");
    expect(() => nodeApiHost("n", "127.0.0.1", ifaces, elsewhere)).toThrow(/Node n serves its API on loopback only \(127\.0\.0\.1\) and runs on another host/);
    expect(() => nodeApiHost("n", null, ifaces, elsewhere)).toThrow(/no address/);
  });
});
