import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createUser } from "~/server/services/users/create-user";
import { updateUser } from "~/server/services/users/update-user";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { verifyCredentials } from "./verify-credentials";

let t: TestDb;
let rootPassword: string;
beforeAll(async () => {
  t = await createTestDb();
  rootPassword = (await initDatabase(t.db, { migrate: false })).rootPassword!;
});
afterAll(() => t.drop());

const attempt = (login: string, password: string, fromAddress = "10.0.0.1", now?: Date) =>
  verifyCredentials(t.db, { login, password, fromAddress, now });

const T0 = new Date("2026-12-03T12:00:00Z");
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

describe("verifyCredentials", () => {
  it("accepts the right password, records the login and audits it", async () => {
    const { password } = await createUser(t.db, { actor: SYSTEM_ACTOR, login: "erin", roles: ["client"] });
    const user = await attempt("erin", password);
    expect(user.login).toBe("erin");
    expect((await t.db.user.findUniqueOrThrow({ where: { login: "erin" } })).lastLoginAt).not.toBeNull();
    expect(await t.db.auditEvent.count({ where: { action: "login.success", login: "erin" } })).toBe(1);
  });

  it("refuses a wrong password or an unknown login with the same message, and audits the failure", async () => {
    await expect(attempt("erin", "wrong password!", "10.0.0.2")).rejects.toThrow("Invalid login or password");
    await expect(attempt("nobody", "whatever12345", "10.0.0.3")).rejects.toThrow("Invalid login or password");
    expect(await t.db.auditEvent.count({ where: { action: "login.failed" } })).toBe(2);
  });

  it("refuses locked and expired accounts even with the right password", async () => {
    const locked = await createUser(t.db, { actor: SYSTEM_ACTOR, login: "frank", roles: [] });
    await updateUser(t.db, { actor: SYSTEM_ACTOR, id: locked.user.id, locked: true });
    await expect(attempt("frank", locked.password, "10.0.0.4")).rejects.toThrow(/locked/);

    const expired = await createUser(t.db, { actor: SYSTEM_ACTOR, login: "grace", roles: [], expiresAt: new Date(Date.now() - 60_000) });
    await expect(attempt("grace", expired.password, "10.0.0.5")).rejects.toThrow(/expired/);
  });

  it("slows down a client address that tries many logins (spraying), and only that address", async () => {
    for (let i = 0; i < env.LOGIN_MAX_FAILURES; i++) {
      await expect(attempt(`ghost${i}`, "wrong-password", "10.9.9.9", T0)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    await expect(attempt("erin", "anything-at-all", "10.9.9.9", T0)).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    await expect(attempt("erin", "anything-at-all", "10.9.9.8", T0)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("an attacker at one address cannot lock out the last administrator signing in from another", async () => {
    expect(await t.db.user.count({ where: { roles: { some: { name: "administrator" } } } })).toBe(1);
    for (let i = 0; i < 40; i++) {
      await expect(attempt("root", `guess-${i}-password`, "198.51.100.66", at(i))).rejects.toMatchObject({ code: expect.stringMatching(/UNAUTHORIZED|TOO_MANY_REQUESTS/) });
    }
    await expect(attempt("root", rootPassword, "198.51.100.66", at(40))).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    // Meanwhile, from another address.
    expect((await attempt("root", rootPassword, "10.7.7.7", at(40))).login).toBe("root");
    expect((await t.db.user.findUniqueOrThrow({ where: { login: "root" } })).locked).toBe(false);
  });

  it("delays a login from one address with growing waits after a few failures, and never for long", async () => {
    const { password } = await createUser(t.db, { actor: SYSTEM_ACTOR, login: "ivan", roles: [] });
    const from = "10.3.3.3";
    const wrong = (s: number) => attempt("ivan", "not ivan's password", from, at(s));
    for (let i = 0; i < env.LOGIN_FREE_FAILURES; i++) await expect(wrong(0)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    // Each further failure doubles the wait, from 1 s; refused attempts do not count as failures.
    await expect(wrong(0.5)).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringContaining("1 second") });
    await expect(wrong(1)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(wrong(2.5)).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringContaining("1 second") });
    await expect(wrong(3)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(wrong(6.9)).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    await expect(wrong(7)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    await expect(wrong(7.5)).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS", message: expect.stringContaining("8 seconds") });
    // The right password waits like any other attempt from there…
    await expect(attempt("ivan", password, from, at(14.9))).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    // …while the same login from another address is not delayed at all.
    expect((await attempt("ivan", password, "10.4.4.4", at(14.9))).login).toBe("ivan");

    // The wait is capped: after many failures, never more than LOGIN_MAX_DELAY_SECONDS.
    let s = 15;
    for (let i = 0; i < 30; i++) {
      await expect(wrong(s)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
      s += env.LOGIN_MAX_DELAY_SECONDS;
    }
    await expect(wrong(s - 1)).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect((await attempt("ivan", password, from, at(s))).login).toBe("ivan");
    expect(await t.db.auditEvent.count({ where: { action: "login.throttled", login: "ivan" } })).toBeGreaterThan(0);
  });

  it("a successful sign-in resets the delay", async () => {
    const { password } = await createUser(t.db, { actor: SYSTEM_ACTOR, login: "judy", roles: [] });
    const from = "10.5.5.5";
    for (let i = 0; i < env.LOGIN_FREE_FAILURES + 2; i++) {
      await expect(attempt("judy", "not judy's password", from, at(i * 10))).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    await expect(attempt("judy", password, from, at(41))).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect((await attempt("judy", password, from, at(44))).login).toBe("judy");
    for (let i = 0; i < env.LOGIN_FREE_FAILURES; i++) {
      await expect(attempt("judy", "not judy's password", from, at(44))).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    await expect(attempt("judy", "not judy's password", from, at(44))).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
  });
});
