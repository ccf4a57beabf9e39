import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { NextAuthOptions } from "next-auth";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { env } from "~/env";
import { CLIENT_ADDRESS_HEADER, stampClientAddress } from "~/server/auth/client-address";
import { createAuthOptions } from "~/server/auth/config";
import { runWithAuthRequest } from "~/server/auth/request-context";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { getPrincipal } from "~/server/services/auth/get-principal";
import { createUser } from "~/server/services/users/create-user";
import { resetUserPassword } from "~/server/services/users/reset-user-password";
import { updateUser } from "~/server/services/users/update-user";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";

// next-auth's request handler behind /api/auth/* and getServerSession (its package does not export it).
const require = createRequire(import.meta.url);
type AuthRequest = {
  action: string;
  method: string;
  providerId?: string;
  origin?: string;
  body?: Record<string, string>;
  cookies?: Record<string, string>;
  headers?: Record<string, string>;
};
type AuthResponse = { status?: number; body?: unknown; cookies?: { name: string; value: string }[] };
const { AuthHandler } = require(join(dirname(require.resolve("next-auth")), "core/index.js")) as {
  AuthHandler(params: { req: AuthRequest; options: NextAuthOptions }): Promise<AuthResponse>;
};

/**
 * The console's sessions through next-auth's own request handler (what /api/auth/* and
 * getServerSession run): sign in with a form post, then read the session with the cookie a browser
 * would hold.
 */
let t: TestDb;
let options: ReturnType<typeof createAuthOptions>;
const ORIGIN = "http://127.0.0.1:3000";
const SESSION_COOKIE = "next-auth.session-token";
const HEADERS = { [CLIENT_ADDRESS_HEADER]: stampClientAddress("10.20.30.40"), "user-agent": "vitest" };

beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  options = createAuthOptions({ db: t.db, secret: "a-test-secret-of-at-least-thirty-two-chars" });
});
afterAll(() => t.drop());
afterEach(() => vi.useRealTimers());

type Jar = Record<string, string>;

async function handle(req: AuthRequest) {
  return runWithAuthRequest(new Headers(HEADERS), () => AuthHandler({ req: { origin: ORIGIN, headers: HEADERS, ...req }, options }));
}

function keep(jar: Jar, cookies: { name: string; value: string }[] | undefined) {
  for (const c of cookies ?? []) {
    if (c.value === "") delete jar[c.name];
    else jar[c.name] = c.value;
  }
}

async function csrf(jar: Jar) {
  const res = await handle({ action: "csrf", method: "GET", cookies: { ...jar } });
  keep(jar, res.cookies);
  return (res.body as { csrfToken: string }).csrfToken;
}

/** Signs in like the login form; returns the browser's cookie jar. */
async function signIn(login: string, password: string): Promise<Jar> {
  const jar: Jar = {};
  const csrfToken = await csrf(jar);
  const res = await handle({
    action: "callback",
    providerId: "credentials",
    method: "POST",
    body: { csrfToken, login, password, json: "true" },
    cookies: { ...jar },
  });
  keep(jar, res.cookies);
  expect(jar[SESSION_COOKIE], "signed in").toBeTruthy();
  return jar;
}

/** GET /api/auth/session with the jar's cookies: the signed-in login, or null. */
async function sessionLogin(jar: Jar): Promise<string | null> {
  const res = await handle({ action: "session", method: "GET", cookies: { ...jar } });
  keep(jar, res.cookies);
  const body = res.body as { user?: { login?: string } };
  return body.user?.login ?? null;
}

async function signOut(jar: Jar) {
  const csrfToken = await csrf(jar);
  const res = await handle({ action: "signout", method: "POST", body: { csrfToken }, cookies: { ...jar } });
  keep(jar, res.cookies);
}

async function newUser(login: string, roles: string[] = ["client"]) {
  return createUser(t.db, { actor: SYSTEM_ACTOR, login, roles });
}

describe("console sessions", () => {
  it("a signed-in browser's cookie reads the session", async () => {
    const { password } = await newUser("sam");
    const jar = await signIn("sam", password);
    expect(await sessionLogin(jar)).toBe("sam");
  });

  it("after sign-out, the old cookie no longer works (kept by an attacker who copied it)", async () => {
    const { password } = await newUser("sue");
    const jar = await signIn("sue", password);
    const stolen = { ...jar };
    await signOut(jar);
    expect(await sessionLogin(stolen)).toBeNull();
    const audit = await t.db.auditEvent.findFirst({ where: { action: "logout", login: "sue" } });
    expect(audit?.fromAddress).toBe("10.20.30.40");
  });

  it("after an administrator resets the password, the old cookie no longer works", async () => {
    const { password } = await newUser("ray");
    const jar = await signIn("ray", password);
    await resetUserPassword(t.db, { actor: SYSTEM_ACTOR, login: "ray" });
    expect(await sessionLogin(jar)).toBeNull();
    const audit = await t.db.auditEvent.findFirst({ where: { action: "session.revoke", login: "system" }, orderBy: { id: "desc" } });
    expect(audit?.after).toEqual({ reason: "password changed", sessions: 1 });
  });

  it("after users change their own password, their other sessions no longer work", async () => {
    const { user, password } = await newUser("olga", ["administrator"]);
    const other = await signIn("olga", password);
    const principal = await getPrincipal(t.db, user.id);
    await resetUserPassword(t.db, { actor: { userId: principal!.id, login: "olga" }, login: "olga", password: "a brand new password" });
    expect(await sessionLogin(other)).toBeNull();
    const fresh = await signIn("olga", "a brand new password");
    expect(await sessionLogin(fresh)).toBe("olga");
  });

  it("after the account is locked, the old cookie no longer works, not even once it is unlocked", async () => {
    const { user, password } = await newUser("lou");
    const jar = await signIn("lou", password);
    await updateUser(t.db, { actor: SYSTEM_ACTOR, id: user.id, locked: true });
    expect(await sessionLogin({ ...jar })).toBeNull();
    await updateUser(t.db, { actor: SYSTEM_ACTOR, id: user.id, locked: false });
    expect(await sessionLogin(jar)).toBeNull();
    expect(await t.db.auditEvent.count({ where: { action: "session.revoke", objectId: String(user.id) } })).toBe(1);
  });

  it("a session kept alive by refreshing is refused once its absolute lifetime is over", async () => {
    const { password } = await newUser("abe");
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: start });
    const jar = await signIn("abe", password);
    const idle = env.SESSION_MAX_AGE_SECONDS * 1000;
    const absolute = env.SESSION_ABSOLUTE_MAX_AGE_SECONDS * 1000;
    // Refresh well within the idle timeout, again and again, past the absolute end.
    const step = Math.floor(idle / 2);
    let at = start;
    while (at + step < start + absolute) {
      at += step;
      vi.setSystemTime(at);
      expect(await sessionLogin(jar)).toBe("abe");
    }
    vi.setSystemTime(start + absolute + 1000);
    expect(await sessionLogin(jar)).toBeNull();
  });

  it("a cookie issued before server-side sessions (no session id) is refused", async () => {
    const { user } = await newUser("old");
    const { encode } = await import("next-auth/jwt");
    const token = await encode({ secret: "a-test-secret-of-at-least-thirty-two-chars", token: { uid: user.id, login: "old" } });
    expect(await sessionLogin({ [SESSION_COOKIE]: token })).toBeNull();
  });

  it("next-auth's redirect after sign-in or sign-out stays on the console", async () => {
    const redirect = options.callbacks!.redirect!;
    for (const url of ["/\t/evil.example/", "/\n/evil.example/", "//evil.example/", "/\\evil.example/", "http://evil.example/", `${ORIGIN}.evil.example/`]) {
      expect(new URL(await redirect({ url, baseUrl: ORIGIN })).origin, JSON.stringify(url)).toBe(ORIGIN);
    }
    expect(await redirect({ url: "/login", baseUrl: ORIGIN })).toBe(`${ORIGIN}/login`);
    expect(await redirect({ url: `${ORIGIN}/runs?state=ENDED`, baseUrl: ORIGIN })).toBe(`${ORIGIN}/runs?state=ENDED`);
  });
});
