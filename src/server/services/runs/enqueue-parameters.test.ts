import formbody from "@fastify/formbody";
import fastifyStatic from "@fastify/static";
import swagger from "@fastify/swagger";
import { TRPCError } from "@trpc/server";
import Fastify, { type FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { registerAuth } from "~/node-api/auth";
import { clientApi } from "~/node-api/client-api";
import { registerErrorHandling } from "~/node-api/errors";
import { simpleApi } from "~/node-api/simple-api";
import type { EngineView } from "~/node-api/types";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { initDatabase } from "~/server/services/setup/init-database";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";
import { enqueueRun } from "./enqueue-run";

let t: TestDb;
let app: FastifyInstance;
const runs = () => t.db.jobInstance.count();

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  const node = await t.db.node.findFirstOrThrow();
  app = Fastify();
  registerErrorHandling(app);
  await app.register(fastifyStatic, { root: "/", serve: false });
  await app.register(formbody);
  await app.register(swagger, { openapi: { info: { title: "Jobwarden", version: "test" } } });
  registerAuth(app, t.db, () => ({ mode: "none", anonymousOnNetwork: false }));
  const options = { db: t.db, node: () => ({ id: node.id, name: node.name, logDir: "/nonexistent", deliverablesDir: "/nonexistent" }), engine: {} as EngineView, log: pino({ level: "silent" }) };
  await app.register(simpleApi, { ...options, prefix: "/ws/simple" });
  await app.register(clientApi, { ...options, prefix: "/ws/client" });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await t?.drop();
});

/** The enqueue's refusal: a 400-class AppError, and no run written. */
async function refused(parameters: Record<string, unknown>) {
  const before = await runs();
  const err = await enqueueRun(t.db, { applicationName: "DemoEcho", parameters: parameters as Record<string, string> }, SYSTEM_ACTOR).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  expect(err).toMatchObject({ code: "BAD_REQUEST" });
  expect(await runs()).toBe(before);
  return (err as Error).message;
}

const simple = (form: string) =>
  app.inject({ method: "POST", url: "/ws/simple/ji", headers: { "content-type": "application/x-www-form-urlencoded" }, payload: form, remoteAddress: "127.0.0.1" });
const client = (body: string) =>
  app.inject({ method: "POST", url: "/ws/client/ji", headers: { "content-type": "application/json" }, payload: body, remoteAddress: "127.0.0.1" });

describe(`parameters are checked at enqueue, on ${env.TEST_DB}`, () => {
  it("service: refuses a NUL or an escape character in a name or a value, naming the parameter", async () => {
    expect(await refused({ greeting: "a\u0000b" })).toContain("Parameter greeting: control characters are not allowed in a value");
    expect(await refused({ "na\u0000me": "x" })).toContain('Parameter name "na\\u0000me" contains a control character');
    expect(await refused({ title: "\u001b[31mred" })).toContain("Parameter title: control characters are not allowed in a value");
    expect(await refused({ "a\nb": "x" })).toContain('Parameter name "a\\nb" contains a control character');
  });

  it("service: accepts tabs and line breaks in values, as the job definition form does", async () => {
    const { id } = await enqueueRun(t.db, { applicationName: "DemoEcho", parameters: { text: "line 1\r\nline 2\tend" } }, SYSTEM_ACTOR);
    expect((await t.db.jobInstance.findUniqueOrThrow({ where: { id } })).parameters).toMatchObject({ text: "line 1\r\nline 2\tend" });
  });

  it("service: refuses the names __proto__, constructor and prototype instead of dropping them", async () => {
    for (const name of ["__proto__", "constructor", "prototype"]) {
      expect(await refused(JSON.parse(`{"${name}": "x", "ok": "y"}`) as Record<string, unknown>)).toContain(`Parameter name ${name} is reserved`);
    }
  });

  it("console (tRPC run.enqueue): the same refusals are BAD_REQUEST", async () => {
    const { caller } = await callerWithRoles(t.db, ["client"]);
    for (const parameters of [{ v: "x\u0000" }, JSON.parse('{"__proto__": "x"}') as Record<string, string>]) {
      const err = await caller.run.enqueue({ applicationName: "DemoEcho", parameters }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TRPCError);
      expect(err).toMatchObject({ code: "BAD_REQUEST" });
    }
  });

  it("simple API: duplicate parameterNames, a NUL and a reserved name are 400s with a message", async () => {
    const before = await runs();
    const dup = await simple("applicationname=DemoEcho&parameterNames=a&parameterValues=1&parameterNames=a&parameterValues=2");
    expect(dup.statusCode).toBe(400);
    expect(dup.json().message).toContain("parameterNames: a is given twice");
    const nul = await simple("applicationname=DemoEcho&parameterNames=a&parameterValues=x%00y");
    expect(nul.statusCode).toBe(400);
    expect(nul.json().message).toContain("Parameter a: control characters are not allowed in a value");
    const proto = await simple("applicationname=DemoEcho&parameterNames=__proto__&parameterValues=x");
    expect(proto.statusCode).toBe(400);
    expect(proto.json().message).toContain("Parameter name __proto__ is reserved");
    expect(await runs()).toBe(before);

    const ok = await simple("applicationname=DemoEcho&parameterNames=a&parameterValues=1&parameterNames=b&parameterValues=2");
    expect(ok.statusCode).toBe(200);
    expect((await t.db.jobInstance.findUniqueOrThrow({ where: { id: Number(ok.body) } })).parameters).toMatchObject({ a: "1", b: "2" });
  });

  it("client API: a reserved name in either form, a duplicate key in JQM's list and a NUL are 400s with a message", async () => {
    const before = await runs();
    const cases: [string, string][] = [
      ['{"applicationName":"DemoEcho","parameters":{"prototype":"x"}}', "Parameter name prototype is reserved"],
      ['{"applicationName":"DemoEcho","parameters":[{"key":"constructor","value":"x"}]}', "Parameter name constructor is reserved"],
      ['{"applicationName":"DemoEcho","parameters":[{"key":"k","value":"1"},{"key":"k","value":"2"}]}', "Parameter k is given twice"],
      ['{"applicationName":"DemoEcho","parameters":{"k":"a\\u0000b"}}', "Parameter k: control characters are not allowed in a value"],
    ];
    for (const [body, message] of cases) {
      const res = await client(body);
      expect(res.statusCode, body).toBe(400);
      expect(res.json().message, body).toContain(message);
    }
    // Fastify's JSON parser already refuses a __proto__ key anywhere in a body.
    expect((await client('{"applicationName":"DemoEcho","parameters":{"__proto__":"x"}}')).statusCode).toBe(400);
    expect(await runs()).toBe(before);
    const ok = await client('{"applicationName":"DemoEcho","parameters":[{"key":"k","value":"1"}]}');
    expect(ok.statusCode).toBe(201);
  });
});
