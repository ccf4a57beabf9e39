import { statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyPassword } from "~/server/auth/password";
import { type TestDb, createTestDb } from "~/test/test-db";
import { initDatabase } from "./init-database";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.drop());

async function snapshot() {
  const db = t.db;
  return {
    roles: await db.rolePermission.count(),
    users: await db.user.findMany({ select: { login: true, passwordHash: true } }),
    queues: await db.queue.findMany({ select: { name: true, isDefault: true } }),
    nodes: await db.node.findMany({ select: { name: true, host: true, port: true } }),
    mappings: await db.queueMapping.findMany({ select: { maxThreads: true, pollingIntervalMs: true } }),
    jobDefs: await db.jobDef.count(),
    audit: await db.auditEvent.count(),
  };
}

describe("initDatabase", () => {
  it("seeds the defaults and a root administrator whose password is written to a 0600 file", async () => {
    const result = await initDatabase(t.db, { migrate: false });
    expect(result.rootPassword).toMatch(/^.{20}$/);
    expect(statSync(result.rootPasswordFile!).mode & 0o777).toBe(0o600);

    const s = await snapshot();
    expect(s.queues).toEqual([{ name: "DEFAULT", isDefault: true }]);
    expect(s.nodes).toEqual([{ name: "node1", host: "127.0.0.1", port: 1789 }]);
    expect(s.mappings).toEqual([{ maxThreads: 5, pollingIntervalMs: 1000 }]);
    expect(s.jobDefs).toBeGreaterThanOrEqual(3);
    expect(await t.db.role.count({ where: { builtIn: true } })).toBe(6);

    const root = await t.db.user.findUniqueOrThrow({ where: { login: "root" }, include: { roles: true } });
    expect(root.roles.map((r) => r.name)).toEqual(["administrator"]);
    expect(root.passwordHash).toMatch(/^\$argon2id\$/);
    expect(await verifyPassword(root.passwordHash, result.rootPassword!)).toBe(true);
  });

  it("changes nothing when run a second time", async () => {
    const before = await snapshot();
    const result = await initDatabase(t.db, { migrate: false });
    expect(result.rootPassword).toBeNull();
    expect(result.created).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });
});
