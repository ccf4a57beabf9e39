import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { env } from "~/env";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createUser } from "~/server/services/users/create-user";
import { updateUser } from "~/server/services/users/update-user";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { verifyCredentials } from "./verify-credentials";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

const attempt = (login: string, password: string, fromAddress = "10.0.0.1") =>
  verifyCredentials(t.db, { login, password, fromAddress });

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

  it("throttles a login after LOGIN_MAX_FAILURES failures, even with the right password", async () => {
    const { password } = await createUser(t.db, { actor: SYSTEM_ACTOR, login: "heidi", roles: [] });
    for (let i = 0; i < env.LOGIN_MAX_FAILURES; i++) {
      await expect(attempt("heidi", `wrong-${i}-password`, `10.1.0.${i}`)).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    await expect(attempt("heidi", password, "10.2.0.1")).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect(await t.db.auditEvent.count({ where: { action: "login.throttled", login: "heidi" } })).toBe(1);
  });

  it("throttles a client address that tries many logins", async () => {
    for (let i = 0; i < env.LOGIN_MAX_FAILURES; i++) {
      await expect(attempt(`ghost${i}`, "wrong-password", "10.9.9.9")).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    }
    await expect(attempt("erin", "anything-at-all", "10.9.9.9")).rejects.toMatchObject({ code: "TOO_MANY_REQUESTS" });
  });
});
