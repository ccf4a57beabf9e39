import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "~/env";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { verifyCredentials } from "~/server/services/auth/verify-credentials";
import { AppError } from "~/server/services/errors";
import { createUser } from "~/server/services/users/create-user";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { clientAddress } from "./client-address";
import { createConsoleServer } from "~/server/console-server";
import { createRequestGuard } from "./request-guard";

/**
 * An HTTP server with the guard the console puts in front of Next.js (src/server/console-server.ts),
 * and a login endpoint that does what the console's does with the caller's address.
 */
let t: TestDb;
const servers: Server[] = [];

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterEach(() => vi.useRealTimers());
afterAll(async () => {
  for (const s of servers) s.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await t.drop();
});

async function readBody(req: IncomingMessage) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

async function loginEndpoint(req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  const headers = new Headers(req.headers as Record<string, string>);
  const answer = (status: number, value: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(value));
  };
  if (req.url === "/echo") return answer(200, { bytes: Buffer.byteLength(body), address: clientAddress(headers) });
  const { login, password } = JSON.parse(body) as { login: string; password: string };
  try {
    await verifyCredentials(t.db, { login, password, fromAddress: clientAddress(headers) });
    answer(200, { ok: true });
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    answer(e.code === "TOO_MANY_REQUESTS" ? 429 : 401, { message: e.message });
  }
}

async function startServer(options: Parameters<typeof createRequestGuard>[0]) {
  const guard = createRequestGuard(options);
  const server = createServer((req, res) => guard(req, res, () => void loginEndpoint(req, res)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("X-Forwarded-For", () => {
  it("from a caller that is not a trusted proxy changes neither the audited address nor the address throttle", async () => {
    const base = await startServer({ trustedProxies: "" });
    const echo = await post(base, "/echo", {}, { "x-forwarded-for": "203.0.113.9", "x-real-ip": "203.0.113.10" });
    expect(echo.body.address).toBe("127.0.0.1");

    // The clock stands still, so that the throttle's first delay (1 s) cannot run out between two slow attempts.
    vi.useFakeTimers({ toFake: ["Date"] });
    const statuses: number[] = [];
    for (let i = 0; i <= env.LOGIN_MAX_FAILURES; i++) {
      const forged = `198.51.100.${i + 1}`;
      statuses.push((await post(base, "/login", { login: `spray${i}`, password: "a wrong password" }, { "x-forwarded-for": forged })).status);
    }
    vi.useRealTimers();
    // A sprayer from one address is slowed down whatever addresses it claims to forward for.
    expect(statuses.at(-1)).toBe(429);
    const audited = await t.db.auditEvent.findMany({ where: { login: { startsWith: "spray" } }, select: { fromAddress: true } });
    expect(new Set(audited.map((a) => a.fromAddress))).toEqual(new Set(["127.0.0.1"]));
  });

  it("from a trusted proxy gives the client's address (the last hop the trusted proxies did not add)", async () => {
    const base = await startServer({ trustedProxies: "127.0.0.1, 10.0.0.0/8" });
    const single = await post(base, "/echo", {}, { "x-forwarded-for": "203.0.113.7" });
    expect(single.body.address).toBe("203.0.113.7");
    // The client forged the first entry; the proxies appended the real one, then their own.
    const chained = await post(base, "/echo", {}, { "x-forwarded-for": "192.0.2.66, 203.0.113.8, 10.1.2.3" });
    expect(chained.body.address).toBe("203.0.113.8");
    const direct = await post(base, "/echo", {});
    expect(direct.body.address).toBe("127.0.0.1");

    const { password } = await createUser(t.db, { actor: SYSTEM_ACTOR, login: "proxied", roles: [] });
    expect((await post(base, "/login", { login: "proxied", password }, { "x-forwarded-for": "203.0.113.77" })).status).toBe(200);
    const row = await t.db.auditEvent.findFirst({ where: { action: "login.success", login: "proxied" } });
    expect(row?.fromAddress).toBe("203.0.113.77");
  });
});

/** Sends the headers of a request and, optionally, part of its body; resolves with the answer. */
function send(base: string, headers: Record<string, string | number>, chunks: Buffer[] = [], end = false) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL("/api/auth/callback/credentials", base);
    const req = request(url, { method: "POST", headers }, (res) => {
      void readBody(res).then((body) => resolve({ status: res.statusCode ?? 0, body }), reject);
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      // The server may close while we are still writing: the answer already came.
      if (e.code !== "EPIPE" && e.code !== "ECONNRESET") reject(e);
    });
    req.flushHeaders();
    for (const c of chunks) req.write(c);
    if (end) req.end();
  });
}

describe("body limits", () => {
  it("answers 413 with a message to a declared Content-Length over the limit, before any body is read", async () => {
    const base = await startServer({ trustedProxies: "", bodyLimit: () => 16 * 1024 });
    const res = await send(base, { "content-type": "application/x-www-form-urlencoded", "content-length": 150 * 1024 * 1024 });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ message: expect.stringContaining("16 KB") });
  });

  it("answers 413 to a chunked body without Content-Length once it passes the limit", async () => {
    const base = await startServer({ trustedProxies: "", bodyLimit: () => 16 * 1024 });
    const chunk = Buffer.alloc(8 * 1024, "a");
    const res = await send(base, { "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked" }, [chunk, chunk, chunk]);
    expect(res.status).toBe(413);
  });

  it("passes a body within the limit to the route intact, chunked or not", async () => {
    const base = await startServer({ trustedProxies: "", bodyLimit: () => 16 * 1024 });
    const payload = { login: "x".repeat(10_000) };
    const res = await fetch(`${base}/echo`, { method: "POST", body: JSON.stringify(payload) });
    expect(await res.json()).toMatchObject({ bytes: JSON.stringify(payload).length });
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${base}/echo`, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (r) => {
        void readBody(r).then((body) => resolve({ status: r.statusCode ?? 0, body }), reject);
      });
      req.write(Buffer.alloc(6000, "b"));
      req.write(Buffer.alloc(6000, "c"));
      req.end();
    });
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body)).toMatchObject({ bytes: 12000 });
  });
});

describe("the guard as the console installs it", () => {
  it("answers 413 on every console route to a body over that route's limit, and lets small ones through", async () => {
    const server = createConsoleServer(async (req, res) => {
      const body = await readBody(req);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ bytes: Buffer.byteLength(body), address: clientAddress(new Headers(req.headers as Record<string, string>)) }));
    }, { trustedProxies: "" });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const postBytes = async (path: string, bytes: number) => (await fetch(`${base}${path}`, { method: "POST", body: Buffer.alloc(bytes, "x") })).status;

    expect(await postBytes("/api/auth/callback/credentials", 20 * 1024)).toBe(413);
    expect(await postBytes("/api/auth/callback/credentials", 2 * 1024)).toBe(200);
    expect(await postBytes("/api/trpc/user.create?batch=1", 300 * 1024)).toBe(413);
    expect(await postBytes("/api/trpc/user.create?batch=1", 100 * 1024)).toBe(200);
    expect(await postBytes("/api/trpc/jobDef.importXml?batch=1", 2 * 1024 * 1024)).toBe(200);
    expect(await postBytes("/api/trpc/jobDef.importXml?batch=1", 4 * 1024 * 1024)).toBe(413);
    expect(await postBytes("/login", 100 * 1024)).toBe(413);
    expect(await postBytes("/runs", 100 * 1024)).toBe(413);
    expect(await postBytes("/api/files/abc", 100 * 1024)).toBe(413);

    // A client cannot pass an address of its own choosing under the guard's header.
    const forged = await fetch(`${base}/echo`, { method: "POST", headers: { "x-jobwarden-client-address": "203.0.113.1" }, body: "{}" });
    expect(await forged.json()).toMatchObject({ address: "127.0.0.1" });
  });
});
