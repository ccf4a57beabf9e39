import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { hashPassword } from "~/server/auth/password";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { createUser } from "~/server/services/users/create-user";
import { resetUserPassword } from "~/server/services/users/reset-user-password";
import { type TestDb, createTestDb } from "~/test/test-db";
import { initDatabase, rootPasswordFile } from "./init-database";

let t: TestDb | null = null;
let rootPassword: string;

/** A fresh install: its own database, and init's root-password.txt for it. */
beforeEach(async () => {
  await t?.drop();
  t = await createTestDb();
  rootPassword = (await initDatabase(t.db, { migrate: false })).rootPassword!;
  expect(readFileSync(rootPasswordFile(), "utf8").trim()).toBe(rootPassword);
});
afterAll(() => t?.drop());

const rootActor = async () => {
  const root = await t!.db.user.findUniqueOrThrow({ where: { login: "root" } });
  return { userId: root.id, login: "root", fromAddress: "127.0.0.1" };
};

describe("the first root password file", () => {
  it("is removed when root changes the password, and the removal is audited", async () => {
    const actor = await rootActor();
    await t!.db.user.update({ where: { login: "root" }, data: { lastLoginAt: new Date() } });
    await resetUserPassword(t!.db, { actor, login: "root", password: "a new long password for root" });
    expect(existsSync(rootPasswordFile())).toBe(false);
    expect(await t!.db.auditEvent.findMany({ where: { action: "root_password_file.delete" } })).toEqual([
      expect.objectContaining({ login: "root", objectType: "user", objectId: String(actor.userId) }),
    ]);
  });

  it("is removed when root's password is reset from the CLI (the file's password no longer works)", async () => {
    await resetUserPassword(t!.db, { actor: SYSTEM_ACTOR, login: "root" });
    expect(existsSync(rootPasswordFile())).toBe(false);
  });

  it("stays while it still holds root's password, whatever else changes", async () => {
    await createUser(t!.db, { actor: SYSTEM_ACTOR, login: "alice", roles: ["administrator"] });
    await resetUserPassword(t!.db, { actor: await rootActor(), login: "alice" });
    expect(readFileSync(rootPasswordFile(), "utf8").trim()).toBe(rootPassword);
    await initDatabase(t!.db, { migrate: false });
    expect(existsSync(rootPasswordFile())).toBe(true);
    expect(await t!.db.auditEvent.count({ where: { action: "root_password_file.delete" } })).toBe(0);
  });

  it("is removed at start when root's password was changed before (an install upgraded with the file left)", async () => {
    await t!.db.user.update({ where: { login: "root" }, data: { passwordHash: await hashPassword("changed before the upgrade") } });
    expect(existsSync(rootPasswordFile())).toBe(true);
    await initDatabase(t!.db, { migrate: false });
    expect(existsSync(rootPasswordFile())).toBe(false);
  });
});
