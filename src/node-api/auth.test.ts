import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createApiToken } from "~/server/services/auth/api-tokens";
import { initDatabase } from "~/server/services/setup/init-database";
import { createUser } from "~/server/services/users/create-user";
import { type TestDb, createTestDb } from "~/test/test-db";
import { type AuthSettings, registerAuth } from "./auth";
import { isLoopbackAddress } from "~/server/domain/addresses";

let t: TestDb;
let password: string;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  password = (await createUser(t.db, { actor: SYSTEM_ACTOR, login: "carl", roles: ["client read only"] })).password;
});
afterAll(() => t.drop());

// Requests come through Fastify's inject with a chosen remote address: no socket is bound.
function app(settings: AuthSettings) {
  const a = Fastify();
  registerAuth(a, t.db, () => settings);
  a.get("/read", { config: { permission: "job_instance:read" } }, (req) => ({ who: req.caller.actor.login }));
  a.post("/create", { config: { permission: "job_instance:create" } }, () => ({ ok: true }));
  a.get("/health", { config: { anonymous: true } }, () => "up");
  return a;
}
const basic = (login: string, pw: string) => ({ authorization: `Basic ${Buffer.from(`${login}:${pw}`).toString("base64")}` });

describe("registerAuth", () => {
  it("recognises loopback addresses", () => {
    expect(["127.0.0.1", "127.5.0.1", "::1", "::ffff:127.0.0.1"].every(isLoopbackAddress)).toBe(true);
    expect(["10.0.0.1", "::ffff:10.0.0.1", "192.168.1.1", "fe80::1", undefined].some((a) => isLoopbackAddress(a))).toBe(false);
  });

  it("accepts anonymous calls from loopback, refuses them from the network unless confirmed", async () => {
    const closed = app({ mode: "none", anonymousOnNetwork: false });
    expect((await closed.inject({ url: "/read", remoteAddress: "127.0.0.1" })).json()).toEqual({ who: "anonymous" });
    const refused = await closed.inject({ url: "/read", remoteAddress: "10.1.2.3" });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/only accepted from this host/);
    expect((await closed.inject({ url: "/health", remoteAddress: "10.1.2.3" })).statusCode).toBe(200);
    const confirmed = app({ mode: "none", anonymousOnNetwork: true });
    expect((await confirmed.inject({ url: "/read", remoteAddress: "10.1.2.3" })).statusCode).toBe(200);
  });

  it("lets the local management socket through without credentials", async () => {
    const local = app({ mode: "none", anonymousOnNetwork: false, localSocket: true });
    const res = await local.inject({ url: "/read", remoteAddress: "" });
    expect(res.json()).toEqual({ who: "local-management" });
  });

  it("checks basic credentials and the route's permission, from any address", async () => {
    const a = app({ mode: "basic", anonymousOnNetwork: false });
    const none = await a.inject({ url: "/read", remoteAddress: "10.1.2.3" });
    expect(none.statusCode).toBe(401);
    expect(none.headers["www-authenticate"]).toMatch(/^Basic/);
    expect((await a.inject({ url: "/read", remoteAddress: "10.1.2.3", headers: basic("carl", "nope-nope-nope") })).statusCode).toBe(401);
    expect((await a.inject({ url: "/read", remoteAddress: "10.1.2.3", headers: basic("carl", password) })).json()).toEqual({ who: "carl" });
    const forbidden = await a.inject({ method: "POST", url: "/create", remoteAddress: "10.1.2.3", headers: basic("carl", password) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().message).toBe("Permission job_instance:create is required");
  });

  it("accepts a bearer API token in basic mode, limited to its scopes, and refuses an expired or revoked one", async () => {
    const a = app({ mode: "basic", anonymousOnNetwork: false });
    const inAMinute = () => new Date(Date.now() + 60_000);
    const mint = (scopes: string[]) => createApiToken(t.db, { actor: SYSTEM_ACTOR, login: "carl", name: "test", scopes, expiresAt: inAMinute() });
    const read = await mint(["job_instance:read"]);
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    expect((await a.inject({ url: "/read", remoteAddress: "10.1.2.3", headers: bearer(read.token) })).json()).toEqual({ who: "carl" });
    const outOfScope = await mint(["logs:read"]);
    const refused = await a.inject({ url: "/read", remoteAddress: "10.1.2.3", headers: bearer(outOfScope.token) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toBe("Permission job_instance:read is required");

    await t.db.apiToken.update({ where: { id: read.id }, data: { revokedAt: new Date() } });
    const revoked = await a.inject({ url: "/read", remoteAddress: "10.1.2.3", headers: bearer(read.token) });
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().message).toBe("Unknown, revoked or expired API token");
    expect(revoked.headers["www-authenticate"]).toMatch(/^Basic/);
    const expired = await mint(["job_instance:read"]);
    await t.db.apiToken.update({ where: { id: expired.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await a.inject({ url: "/read", remoteAddress: "10.1.2.3", headers: bearer(expired.token) })).statusCode).toBe(401);
    expect((await a.inject({ url: "/read", remoteAddress: "10.1.2.3", headers: bearer("jw_not-a-token") })).statusCode).toBe(401);
  });

  it("checks bearer tokens in token mode and refuses basic credentials there", async () => {
    const a = app({ mode: "token", anonymousOnNetwork: false });
    const { token } = await createApiToken(t.db, { actor: SYSTEM_ACTOR, login: "carl", name: "test", scopes: ["job_instance:read"], expiresAt: new Date(Date.now() + 60_000) });
    expect((await a.inject({ url: "/read", remoteAddress: "10.1.2.3", headers: { authorization: `Bearer ${token}` } })).json()).toEqual({ who: "carl" });
    const withPassword = await a.inject({ url: "/read", remoteAddress: "10.1.2.3", headers: basic("carl", password) });
    expect(withPassword.statusCode).toBe(401);
    expect(withPassword.headers["www-authenticate"]).toMatch(/^Bearer/);
  });

  it("refuses certificate mode without TLS", async () => {
    const res = await app({ mode: "certificate", anonymousOnNetwork: false }).inject({ url: "/read" });
    expect(res.statusCode).toBe(401);
    expect(res.json().message).toMatch(/needs TLS/);
  });
});
