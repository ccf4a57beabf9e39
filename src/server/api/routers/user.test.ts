import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILT_IN_ROLES } from "~/server/domain/permissions";
import { getPrincipal } from "~/server/services/auth/get-principal";
import { initDatabase } from "~/server/services/setup/init-database";
import { anonymousCaller, callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

async function codeOf(p: Promise<unknown>) {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof TRPCError) return e.code;
    throw e;
  }
}

describe("RBAC through the routers", () => {
  it("gives each built-in role exactly the permissions JQM gives it", async () => {
    for (const role of BUILT_IN_ROLES) {
      const { principal } = await callerWithRoles(t.db, [role.name]);
      expect(principal.permissions).toEqual([...role.permissions].sort());
    }
  });

  // What each role may call; the same calls are refused with FORBIDDEN otherwise.
  const matrix: Record<string, { userFind: boolean; userCreate: boolean; roleFind: boolean; nodeFind: boolean }> = {
    administrator: { userFind: true, userCreate: true, roleFind: true, nodeFind: true },
    "config admin": { userFind: false, userCreate: false, roleFind: false, nodeFind: true },
    "config viewer": { userFind: false, userCreate: false, roleFind: false, nodeFind: true },
    client: { userFind: false, userCreate: false, roleFind: false, nodeFind: true },
    "client power user": { userFind: false, userCreate: false, roleFind: false, nodeFind: true },
    "client read only": { userFind: false, userCreate: false, roleFind: false, nodeFind: false },
  };

  for (const [role, allowed] of Object.entries(matrix)) {
    it(`enforces ${role}'s permissions on the server`, async () => {
      const { caller } = await callerWithRoles(t.db, [role]);
      const expectCode = (ok: boolean) => (ok ? "OK" : "FORBIDDEN");
      expect(await codeOf(caller.user.find({ limit: 10 }))).toBe(expectCode(allowed.userFind));
      expect(await codeOf(caller.role.find())).toBe(expectCode(allowed.roleFind));
      expect(await codeOf(caller.node.find())).toBe(expectCode(allowed.nodeFind));
      const usersBefore = await t.db.user.count();
      expect(await codeOf(caller.user.create({ login: `made_by_${role.replaceAll(" ", "_")}`, roles: [] }))).toBe(
        expectCode(allowed.userCreate),
      );
      expect(await t.db.user.count()).toBe(usersBefore + (allowed.userCreate ? 1 : 0));
    });
  }

  it("refuses anonymous callers", async () => {
    const caller = anonymousCaller(t.db);
    expect(await codeOf(caller.node.find())).toBe("UNAUTHORIZED");
    expect(await codeOf(caller.user.create({ login: "anon", roles: [] }))).toBe("UNAUTHORIZED");
  });

  it("refuses a user with no role at all", async () => {
    const { caller } = await callerWithRoles(t.db, []);
    expect(await codeOf(caller.node.find())).toBe("FORBIDDEN");
  });
});

describe("user administration", () => {
  it("audits a user creation with who, from where and the new row, without the password", async () => {
    const { caller, principal } = await callerWithRoles(t.db, ["administrator"]);
    const { user, password } = await caller.user.create({ login: "alice", roles: ["client"], email: "alice@example.org" });
    expect(password).toHaveLength(20);
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { action: "user.create", objectId: String(user.id) } });
    expect(event).toMatchObject({ login: principal.login, userId: principal.id, objectType: "user", fromAddress: "127.0.0.1" });
    expect(JSON.stringify(event.after)).toContain("alice@example.org");
    expect(JSON.stringify(event.after)).not.toContain(password);
    expect(JSON.stringify(event.after)).not.toContain("argon2");
  });

  it("locks a user: the audit keeps before and after, and the locked user can no longer act", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    const victim = await callerWithRoles(t.db, ["client"]);
    await admin.caller.user.update({ id: victim.user.id, locked: true });
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { action: "user.update", objectId: String(victim.user.id) } });
    expect(event.before).toMatchObject({ locked: false });
    expect(event.after).toMatchObject({ locked: true });
    expect(await getPrincipal(t.db, victim.user.id)).toBeNull();
  });

  it("refuses expired accounts", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    const u = await callerWithRoles(t.db, ["client"]);
    await admin.caller.user.update({ id: u.user.id, expiresAt: new Date(Date.now() + 60_000) });
    expect(await getPrincipal(t.db, u.user.id)).toMatchObject({ login: u.user.login, roles: ["client"] });
    await admin.caller.user.update({ id: u.user.id, expiresAt: new Date(Date.now() - 1000) });
    expect(await getPrincipal(t.db, u.user.id)).toBeNull();
  });

  it("assigns roles, resets passwords and audits both", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    const { user } = await admin.caller.user.create({ login: "bob", roles: [] });
    const updated = await admin.caller.user.update({ id: user.id, roles: ["client power user", "config viewer"] });
    expect(updated.roles.map((r) => r.name)).toEqual(["client power user", "config viewer"]);
    const reset = await admin.caller.user.resetPassword({ login: "bob" });
    expect(reset.password).toHaveLength(20);
    const actions = await t.db.auditEvent.findMany({ where: { objectId: String(user.id) }, select: { action: true } });
    expect(actions.map((a) => a.action)).toEqual(["user.create", "user.update", "user.reset_password"]);
  });

  it("rejects bad input with clear messages and changes nothing", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    const before = await t.db.user.count();
    await expect(admin.caller.user.create({ login: "bad login!", roles: [] })).rejects.toThrow(/Login/);
    await expect(admin.caller.user.create({ login: "carol", roles: ["no such role"] })).rejects.toThrow(/Unknown role: no such role/);
    await expect(admin.caller.user.create({ login: "root", roles: [] })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(admin.caller.user.create({ login: "dave", password: "short", roles: [] })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.user.update({ id: 999999, locked: true })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await t.db.user.count()).toBe(before);
  });

  it("refuses to lock one's own account or to leave no active administrator", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    await expect(admin.caller.user.update({ id: admin.user.id, locked: true })).rejects.toThrow(/your own account/);

    const others = await t.db.user.findMany({ where: { roles: { some: { name: "administrator" } }, id: { not: admin.user.id } } });
    for (const o of others) await admin.caller.user.update({ id: o.id, locked: true });
    await expect(admin.caller.user.update({ id: admin.user.id, roles: ["client"] })).rejects.toThrow(/no active administrator/);
    const stillAdmin = await getPrincipal(t.db, admin.user.id);
    expect(stillAdmin?.roles).toEqual(["administrator"]);
  });
});
