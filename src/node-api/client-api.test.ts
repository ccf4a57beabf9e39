import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import formbody from "@fastify/formbody";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import Fastify, { type FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLogFiles } from "~/server/services/runs/run-paths";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { endRun } from "~/server/services/runs/end-run";
import { enqueueRun } from "~/server/services/runs/enqueue-run";
import { initDatabase } from "~/server/services/setup/init-database";
import { createUser } from "~/server/services/users/create-user";
import { type TestDb, createTestDb } from "~/test/test-db";
import { registerAuth } from "./auth";
import { clientApi } from "./client-api";
import type { EngineView } from "./types";

let t: TestDb;
let app: FastifyInstance;
let dir: string;
let nodeName: string;
let defaultQueueId: number;
const auth: Record<"admin" | "client" | "reader" | "power" | "nobody", string> = { admin: "", client: "", reader: "", power: "", nobody: "" };

type Method = "GET" | "POST" | "DELETE";
async function call(who: keyof typeof auth, method: Method, url: string, body?: unknown) {
  const res = await app.inject({
    method,
    url: `/ws/client${url}`,
    headers: { authorization: auth[who], ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    payload: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const json = res.headers["content-type"]?.toString().startsWith("application/json") && res.body ? res.json() : undefined;
  return { status: res.statusCode, json, body: res.body, headers: res.headers };
}

async function enqueue(body: Record<string, unknown> = { applicationName: "DemoEcho" }) {
  const res = await call("client", "POST", "/ji", body);
  expect(res.status).toBe(201);
  return res.json as { id: number; state: string } & Record<string, unknown>;
}

const base2 = 950_000;
const liveState = async (id: number) => (await t.db.jobInstance.findUnique({ where: { id } }))?.state ?? (await t.db.history.findUnique({ where: { id } }))?.state;

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  const node = await t.db.node.findFirstOrThrow();
  nodeName = node.name;
  defaultQueueId = (await t.db.queue.findFirstOrThrow({ where: { isDefault: true } })).id;
  dir = mkdtempSync(join(tmpdir(), "jobwarden-client-api-"));
  const logDir = join(dir, "logs");
  const deliverablesDir = join(dir, "deliverables");
  mkdirSync(logDir);
  mkdirSync(deliverablesDir);

  const roles = { admin: ["administrator"], client: ["client"], reader: ["client read only"], power: ["client power user"], nobody: [] };
  for (const [who, r] of Object.entries(roles)) {
    const password = `pw-${who}-0123456789`;
    await createUser(t.db, { actor: SYSTEM_ACTOR, login: `api_${who}`, password, roles: r });
    auth[who as keyof typeof auth] = `Basic ${Buffer.from(`api_${who}:${password}`).toString("base64")}`;
  }

  app = Fastify();
  await app.register(fastifyStatic, { root: "/", serve: false });
  await app.register(formbody);
  await app.register(swagger, { openapi: { info: { title: "Jobwarden", version: "test" } } });
  registerAuth(app, t.db, () => ({ mode: "basic", anonymousOnNetwork: false }));
  await app.register(clientApi, {
    prefix: "/ws/client",
    db: t.db,
    node: () => ({ id: node.id, name: node.name, deliverablesDir, logDir }),
    engine: {} as EngineView,
    log: pino({ level: "silent" }),
  });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await t?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("job instances", () => {
  it("enqueues a JobRequest and reads it back with JQM field names", async () => {
    const created = await enqueue({
      applicationName: "DemoSleep",
      user: "alice",
      sessionID: "s-1",
      keyword1: "k1",
      module: "mod",
      priority: 3,
      parameters: { extra: "x" },
    });
    expect(created).toMatchObject({ applicationName: "DemoSleep", state: "SUBMITTED", user: "alice", sessionID: "s-1", keyword1: "k1", priority: 3, queueName: "DEFAULT" });
    const got = await call("reader", "GET", `/ji/${created.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      id: created.id,
      applicationName: "DemoSleep",
      parameters: { "1_seconds": "60", extra: "x" },
      module: "mod",
      application: "Demo",
      endDate: null,
      nodeName: null,
      fromSchedule: false,
      messages: [],
    });
    expect(new Date(got.json.enqueueDate).getTime()).toBeGreaterThan(0);
    const audit = await t.db.auditEvent.findFirstOrThrow({ where: { action: "job_instance.create", objectId: String(created.id) } });
    expect(audit.login).toBe("api_client");
  });

  it("accepts JQM's [{key, value}] parameters, ISO runAfter and a held start", async () => {
    const later = new Date(Date.now() + 3600_000);
    const scheduled = await enqueue({ applicationName: "DemoEcho", runAfter: later.toISOString(), parameters: [{ key: "a", value: "1" }] });
    expect(scheduled).toMatchObject({ state: "SCHEDULED", parameters: { a: "1" }, runAfter: later.toISOString() });

    const held = await enqueue({ applicationName: "DemoEcho", startState: "HOLDED" });
    expect(held).toMatchObject({ state: "HOLDED", runAfter: null });
    expect((await call("client", "DELETE", `/ji/paused/${held.id}`)).status).toBe(204);
    expect(await liveState(held.id)).toBe("SUBMITTED");
  });

  it("answers 400 for bad input and 404 for unknown objects, always as {error, message}", async () => {
    const missing = await call("client", "POST", "/ji", { user: "x" });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ error: "Bad Request" });
    expect(missing.json.message).toMatch(/applicationName/);

    const empty = await call("client", "POST", "/ji", { applicationName: "  " });
    expect(empty).toMatchObject({ status: 400, json: { message: expect.stringMatching(/applicationName is required/) } });

    const unknown = await call("client", "POST", "/ji", { applicationName: "Nope" });
    expect(unknown).toMatchObject({ status: 404, json: { error: "Not Found", message: "No job definition named Nope" } });

    const badDate = await call("client", "POST", "/ji", { applicationName: "DemoEcho", runAfter: "tomorrow" });
    expect(badDate.status).toBe(400);
    expect((await call("client", "POST", "/ji", "{not json")).status).toBe(400);
    expect((await call("client", "POST", "/ji", { applicationName: "DemoEcho", priority: "high" })).status).toBe(400);

    for (const url of ["/ji/abc", "/ji/0", "/ji/-1", "/ji/1.5", "/ji/99999999999"]) {
      const res = await call("reader", "GET", url);
      expect(res.status, url).toBe(400);
      expect(res.json, url).toMatchObject({ error: "Bad Request" });
    }
    expect(await call("reader", "GET", "/ji/999999")).toMatchObject({ status: 404, json: { message: "No run with id 999999" } });
    expect((await call("reader", "GET", "/ji/999999/messages")).status).toBe(404);
    expect((await call("client", "POST", "/ji/abc/priority/1")).status).toBe(400);
    expect((await call("client", "POST", "/ji/1/priority/5000")).status).toBe(400);
    expect((await call("reader", "GET", "/no/such/route")).json).toMatchObject({ error: "Not Found" });
    const xml = await app.inject({ method: "POST", url: "/ws/client/ji", headers: { authorization: auth.client, "content-type": "application/xml" }, payload: "<jobRequest/>" });
    expect(xml.statusCode).toBe(415);
    expect(xml.json()).toMatchObject({ error: "Unsupported Media Type" });
  });

  it("pauses, resumes, reprioritises, delays and cancels waiting runs", async () => {
    const { id } = await enqueue();
    expect((await call("client", "POST", `/ji/paused/${id}`)).status).toBe(204);
    expect(await liveState(id)).toBe("HOLDED");
    expect((await call("client", "POST", `/ji/paused/${id}`)).status).toBe(409);
    expect((await call("client", "DELETE", `/ji/paused/${id}`, "")).status).toBe(204);
    expect(await liveState(id)).toBe("SUBMITTED");

    expect((await call("client", "POST", `/ji/${id}/priority/7`)).status).toBe(204);
    expect((await call("client", "POST", `/ji/${id}/priority/-2`)).status).toBe(204);
    expect((await t.db.jobInstance.findUniqueOrThrow({ where: { id } })).priority).toBe(-2);

    const at = Date.now() + 600_000;
    expect((await call("client", "POST", `/ji/${id}/delay/${at}`)).status).toBe(204);
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "SCHEDULED", runAfter: new Date(at) });

    expect((await call("client", "POST", `/ji/cancelled/${id}`)).status).toBe(204);
    expect(await t.db.history.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: "CANCELLED", endReason: "cancelled by api_client" });
    expect((await call("client", "POST", `/ji/cancelled/${id}`)).status).toBe(404);

    const other = await enqueue();
    expect((await call("client", "DELETE", `/ji/waiting/${other.id}`)).status).toBe(204);
    expect(await liveState(other.id)).toBe("CANCELLED");
    const messages = await call("reader", "GET", `/ji/${other.id}/messages`);
    expect(messages.json).toEqual(["Status changed: CANCELLED due to cancelled by api_client"]);
  });

  it("kills a RUNNING run by instruction and refuses to kill a waiting one", async () => {
    const { id } = await enqueue();
    expect((await call("client", "POST", `/ji/killed/${id}`)).status).toBe(409);
    await t.db.jobInstance.update({ where: { id }, data: { state: "RUNNING", nodeId: (await t.db.node.findFirstOrThrow()).id } });
    expect((await call("client", "POST", `/ji/killed/${id}`)).status).toBe(204);
    expect(await t.db.jobInstance.findUniqueOrThrow({ where: { id } })).toMatchObject({ instruction: "KILL", instructedBy: "api_client" });
    expect((await call("reader", "GET", `/ji/${id}`)).json).toMatchObject({ state: "RUNNING", nodeName });
    await endRun(t.db, { id, state: "CRASHED", endReason: "killed by api_client" });
  });

  it("orders the queue with /position, relaunches ended runs and restarts crashed ones", async () => {
    await t.db.jobInstance.deleteMany({ where: { state: { in: ["SUBMITTED", "SCHEDULED", "HOLDED"] } } });
    const a = await enqueue();
    const b = await enqueue();
    const c = await enqueue();
    expect((await call("power", "POST", `/ji/${c.id}/position/1`)).status).toBe(204);
    expect((await call("client", "POST", `/ji/${a.id}/position/1`)).status).toBe(403);
    expect((await call("power", "POST", `/ji/${a.id}/position/99`)).status).toBe(204);
    const order = await t.db.jobInstance.findMany({ where: { state: "SUBMITTED" }, orderBy: { position: "asc" }, select: { id: true } });
    expect(order.map((r) => r.id)).toEqual([c.id, b.id, a.id]);
    expect((await call("power", "POST", `/ji/${b.id}/position/2`)).status).toBe(204);
    expect((await call("power", "POST", `/ji/${b.id}/position/0`)).status).toBe(400);

    await endRun(t.db, { id: a.id, state: "CRASHED", endReason: "exit code 1" });
    const restarted = await call("client", "DELETE", `/ji/crashed/${a.id}`);
    expect(restarted.status).toBe(201);
    expect(restarted.json).toMatchObject({ applicationName: "DemoEcho", state: "SUBMITTED" });
    expect(restarted.json.id).not.toBe(a.id);
    expect((await call("client", "DELETE", `/ji/crashed/${b.id}`)).status).toBe(404);

    const relaunched = await call("client", "POST", `/ji/${a.id}`);
    expect(relaunched.status).toBe(201);
    expect(relaunched.json.id).toBeGreaterThan(restarted.json.id);
  });

  it("lists active runs, per user, with keyset paging in a header", async () => {
    const mine = [await enqueue({ applicationName: "DemoEcho", user: "bob" }), await enqueue({ applicationName: "DemoEcho", user: "bob" })];
    const active = await call("reader", "GET", "/ji/active");
    expect(active.status).toBe(200);
    expect(active.json.map((r: { id: number }) => r.id)).toEqual(expect.arrayContaining(mine.map((r) => r.id)));
    const first = await call("reader", "GET", "/user/bob/ji?pageSize=1");
    expect(first.json.map((r: { id: number }) => r.id)).toEqual([mine[0]!.id]);
    const next = await call("reader", "GET", `/user/bob/ji?pageSize=1&afterId=${first.headers["x-next-after-id"]}`);
    expect(next.json.map((r: { id: number }) => r.id)).toEqual([mine[1]!.id]);
    expect(next.headers["x-next-after-id"]).toBeUndefined();
  });
});

describe("query", () => {
  const base = 900_000;
  beforeAll(async () => {
    const day = 86_400_000;
    for (let i = 1; i <= 7; i++) {
      await t.db.history.create({
        data: {
          id: base + i,
          applicationName: i <= 5 ? "ReportDaily" : "OtherJob",
          queueName: "DEFAULT",
          nodeName: "node1",
          state: i % 2 ? "ENDED" : "CRASHED",
          parameters: { i: String(i) },
          userName: i <= 3 ? "carol" : "dave",
          sessionId: "sess",
          keyword1: `kw${i}`,
          enqueuedAt: new Date(Date.UTC(2024, 0, i)),
          startedAt: new Date(Date.UTC(2024, 0, i, 1)),
          endedAt: new Date(Date.UTC(2024, 0, i) + day / 2),
        },
      });
    }
  });
  const ids = (res: { json: { instances: { id: number }[] } }) => res.json.instances.map((r) => r.id);

  it("filters History and pages by id, newest first, without counting", async () => {
    const p1 = await call("reader", "POST", "/ji/query", { applicationName: ["Report%"], pageSize: 2 });
    expect(p1.status).toBe(200);
    expect(ids(p1)).toEqual([base + 5, base + 4]);
    expect(p1.json.nextAfterId).toBe(base + 4);
    const p2 = await call("reader", "POST", "/ji/query", { applicationName: ["Report%"], pageSize: 2, afterId: p1.json.nextAfterId });
    expect(ids(p2)).toEqual([base + 3, base + 2]);
    const p3 = await call("reader", "POST", "/ji/query", { applicationName: ["Report%"], pageSize: 2, afterId: p2.json.nextAfterId });
    expect(ids(p3)).toEqual([base + 1]);
    expect(p3.json.nextAfterId).toBeUndefined();
    expect(p1.json.instances[0]).toMatchObject({ applicationName: "ReportDaily", user: "dave", parameters: { i: "5" }, position: null, endDate: expect.any(String) });

    const offset = await call("reader", "POST", "/ji/query", { applicationName: "Report%", pageSize: 2, firstRow: 2 });
    expect(ids(offset)).toEqual([base + 3, base + 2]);
  });

  it("combines filters: status, user, dates, keywords, wildcards and ascending order", async () => {
    const q = (body: object) => call("reader", "POST", "/ji/query", body).then(ids);
    expect(await q({ applicationName: ["ReportDaily", "OtherJob"], status: ["CRASHED"] })).toEqual([base + 6, base + 4, base + 2]);
    expect(await q({ user: "carol", sessionId: "sess" })).toEqual([base + 3, base + 2, base + 1]);
    expect(await q({ applicationName: ["%Daily"], enqueuedAfter: Date.UTC(2024, 0, 2), enqueuedBefore: "2024-01-04T00:00:00Z" })).toEqual([base + 4, base + 3, base + 2]);
    expect(await q({ applicationName: ["%port%"], endedAfter: "2024-01-05T00:00:00.000Z" })).toEqual([base + 5]);
    expect(await q({ instanceKeyword1: "kw6" })).toEqual([base + 6]);
    expect(await q({ jobInstanceId: base + 7 })).toEqual([base + 7]);
    expect(await q({ nodeName: "node1", queueName: "DEF%", applicationName: ["Other%"], sorts: [{ col: "ID", order: "ASCENDING" }] })).toEqual([base + 6, base + 7]);
    expect(await q({ applicationName: ["ReportDaily"], status: ["RUNNING"] })).toEqual([]);
  });

  it("queries live runs on demand and refuses unsupported filters", async () => {
    const live = await enqueue({ applicationName: "DemoReport", user: "erin" });
    const res = await call("reader", "POST", "/ji/query", { user: "erin", queryLiveInstances: true });
    expect(res.json.instances).toEqual([expect.objectContaining({ id: live.id, state: "SUBMITTED", queueName: "DEFAULT" })]);
    expect(ids(await call("reader", "POST", "/ji/query", { user: "erin" }))).toEqual([]);
    expect(ids(await call("reader", "POST", "/ji/query", { user: "erin", queryLiveInstances: true, queryHistoryInstances: false, applicationName: ["Demo%"] }))).toEqual([live.id]);

    for (const body of [{ jobDefKeyword1: "x" }, { pageSize: 501 }, { status: ["DONE"] }, { sorts: [{ col: "DATEEND" }] }, { afterId: 5, firstRow: 10 }, { firstRow: 10_001 }, { enqueuedAfter: "soon" }]) {
      const bad = await call("reader", "POST", "/ji/query", body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.json.error).toBe("Bad Request");
    }
  });
});

describe("RBAC", () => {
  it("lets a read-only client read but not create, and asks for credentials", async () => {
    const { id } = await enqueue();
    expect((await call("reader", "POST", "/ji", { applicationName: "DemoEcho" })).status).toBe(403);
    expect((await call("reader", "POST", `/ji/paused/${id}`)).status).toBe(403);
    expect((await call("reader", "GET", `/ji/${id}`)).status).toBe(200);
    expect((await call("reader", "GET", "/jd")).status).toBe(403);
    expect((await call("nobody", "GET", `/ji/${id}`)).status).toBe(403);
    const anonymous = await app.inject({ method: "GET", url: `/ws/client/ji/${id}` });
    expect(anonymous.statusCode).toBe(401);
  });

  it("serves logs and files only with logs:read and files:read", async () => {
    const id = base2 + 1;
    await t.db.history.create({
      data: { id, applicationName: "DemoReport", queueName: "DEFAULT", nodeName, state: "ENDED", parameters: {}, enqueuedAt: new Date(), endedAt: new Date() },
    });
    const logDir = join(dir, "logs");
    writeFileSync(runLogFiles(logDir, id).stdout, "hello stdout\n");
    writeFileSync(join(dir, "deliverables", "report.csv"), "a,b\n1,2\n");
    const deliv = await t.db.deliverable.create({
      data: { jobInstanceId: id, nodeName, originalName: "report.csv", storedPath: "report.csv", size: 8, sha256: "x", downloadId: "d".repeat(32) },
    });

    expect((await call("client", "GET", `/ji/${id}/stdout`)).status).toBe(403);
    const out = await call("reader", "GET", `/ji/${id}/stdout`);
    expect(out).toMatchObject({ status: 200, body: "hello stdout\n" });
    expect((await call("reader", "GET", `/ji/${id}/stderr`)).status).toBe(404);

    const files = await call("client", "GET", `/ji/${id}/files`);
    expect(files.json).toEqual([{ id: deliv.id, fileFamily: null, originalName: "report.csv", size: 8, sha256: "x", downloadId: "d".repeat(32), nodeName }]);
    expect((await call("client", "GET", `/ji/files/${deliv.id}`)).status).toBe(403);
    const file = await call("power", "GET", `/ji/files/${deliv.id}`);
    expect(file).toMatchObject({ status: 200, body: "a,b\n1,2\n" });
    expect((await call("power", "GET", "/ji/files/abc")).status).toBe(400);
    expect((await call("power", "GET", "/ji/files/424242")).status).toBe(404);
  });
});

describe("queues and job definitions", () => {
  it("lists queues, pauses and resumes them, reports status and capacity", async () => {
    const list = await call("reader", "GET", "/q");
    expect(list.json).toEqual(expect.arrayContaining([{ id: defaultQueueId, name: "DEFAULT", description: "Default queue", defaultQueue: true }]));

    expect((await call("reader", "GET", `/q/${defaultQueueId}/status`)).json).toBe("RUNNING");
    expect((await call("reader", "GET", `/q/${defaultQueueId}/enabled-capacity`)).json).toBe(5);
    expect((await call("reader", "POST", `/q/${defaultQueueId}/pause`)).status).toBe(403);
    expect((await call("admin", "POST", `/q/${defaultQueueId}/pause`)).status).toBe(204);
    expect((await call("reader", "GET", `/q/${defaultQueueId}/status`)).json).toBe("PAUSED");
    expect((await call("reader", "GET", `/q/${defaultQueueId}/enabled-capacity`)).json).toBe(0);
    expect((await call("admin", "DELETE", `/q/${defaultQueueId}/pause`)).status).toBe(204);
    expect((await call("reader", "GET", `/q/${defaultQueueId}/status`)).json).toBe("RUNNING");
    expect(await t.db.auditEvent.count({ where: { objectType: "queue", action: { in: ["queue.pause", "queue.resume"] } } })).toBe(2);

    const slow = await t.db.queue.create({ data: { name: "SLOW" } });
    const node = await t.db.node.findFirstOrThrow();
    await t.db.queueMapping.create({ data: { nodeId: node.id, queueId: slow.id, maxThreads: 2, enabled: false } });
    await t.db.queueMapping.create({
      data: { nodeId: (await t.db.node.create({ data: { name: "node2", jobsDir: "/j", deliverablesDir: "/d", tmpDir: "/t", logDir: "/l" } })).id, queueId: slow.id, maxThreads: 3 },
    });
    expect((await call("reader", "GET", `/q/${slow.id}/status`)).json).toBe("PARTIALLY_RUNNING");
    expect((await call("reader", "GET", `/q/${slow.id}/enabled-capacity`)).json).toBe(3);
    expect((await call("reader", "GET", "/q/999/status")).status).toBe(404);
    expect((await call("reader", "GET", "/q/x/status")).status).toBe(400);

    const { id } = await enqueue();
    expect((await call("client", "POST", `/q/${slow.id}/${id}`)).status).toBe(403);
    expect((await call("power", "POST", `/q/${slow.id}/${id}`)).status).toBe(204);
    expect((await call("reader", "GET", `/ji/${id}`)).json.queueName).toBe("SLOW");
    expect((await call("power", "POST", `/q/999/${id}`)).status).toBe(404);

    const second = await enqueueRun(t.db, { applicationName: "DemoEcho", queueName: "SLOW" });
    const cleared = await call("admin", "POST", `/q/${slow.id}/clear`);
    expect(cleared).toMatchObject({ status: 200, json: { cancelled: 2 } });
    expect(await liveState(second.id)).toBe("CANCELLED");
    expect(await t.db.jobInstance.count({ where: { queueId: slow.id } })).toBe(0);
  });

  it("lists job definitions and finds one by name", async () => {
    await t.db.jobSchedule.create({
      data: { jobDefId: (await t.db.jobDef.findUniqueOrThrow({ where: { applicationName: "DemoReport" } })).id, cronExpression: "0 * * * *", parameters: {} },
    });
    const list = await call("client", "GET", "/jd");
    expect(list.json.map((j: { applicationName: string }) => j.applicationName)).toEqual(["DemoEcho", "DemoReport", "DemoSleep"]);
    const one = await call("client", "GET", "/jd/name/DemoReport");
    expect(one.json).toMatchObject({
      applicationName: "DemoReport",
      queueName: "DEFAULT",
      application: "Demo",
      canBeRestarted: true,
      parameters: {},
      schedules: [{ cronExpression: "0 * * * *", queueName: null, priority: null }],
    });
    expect((await call("client", "GET", "/jd/Demo")).json).toHaveLength(3);
    expect(await call("client", "GET", "/jd/name/Nope")).toMatchObject({ status: 404, json: { message: "No job definition named Nope" } });
  });

  it("publishes an OpenAPI document of this API only", async () => {
    const res = await call("reader", "GET", "/openapi.json");
    expect(res.status).toBe(200);
    expect(res.json.openapi).toMatch(/^3\./);
    const paths = Object.keys(res.json.paths);
    expect(paths).toEqual(expect.arrayContaining(["/ws/client/ji/{id}", "/ws/client/ji/query", "/ws/client/q/{qId}/pause", "/ws/client/jd/name/{name}"]));
    expect(paths.every((p) => p.startsWith("/ws/client/"))).toBe(true);
    expect(res.json.paths["/ws/client/ji"].post.requestBody.content["application/json"].schema.required).toEqual(["applicationName"]);
  });

  it("documents what it answers: the schemas are the ones the answers are built from", async () => {
    const doc = (await call("reader", "GET", "/openapi.json")).json;
    const methods = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(methods).toHaveLength(30);
    expect(methods).toEqual(expect.arrayContaining(["GET /ws/client/ji/{id}", "POST /ws/client/ji/{id}/priority/{priority}", "GET /ws/client/q/{qId}/status", "GET /ws/client/jd/name/{name}"]));
    const get = doc.paths["/ws/client/ji/{id}"].get;
    expect(get.parameters).toEqual([{ schema: { type: "string", pattern: "^[0-9]{1,10}$" }, in: "path", name: "id", required: true, description: "Run (job instance) id" }]);
    const runSchema = get.responses["200"].content["application/json"].schema;
    const { id } = await enqueue();
    const run = (await call("reader", "GET", `/ji/${id}`)).json;
    expect(Object.keys(runSchema.properties).sort()).toEqual(Object.keys(run).sort());
    expect(runSchema.properties.endDate).toEqual({ type: "string", format: "date-time", nullable: true });
    const jd = (await call("client", "GET", "/jd/name/DemoEcho")).json;
    const jdSchema = doc.paths["/ws/client/jd/name/{name}"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(jdSchema.properties).sort()).toEqual(Object.keys(jd).sort());
  });
});
