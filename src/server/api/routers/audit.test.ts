import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { initDatabase } from "~/server/services/setup/init-database";
import { anonymousCaller, callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  const alice = { userId: null, login: "alice", fromAddress: "10.0.0.7" };
  for (let i = 0; i < 7; i++) {
    await createAuditEvent(t.db, { actor: alice, action: "queue.pause", objectType: "queue", objectId: i % 2, before: { n: i }, after: { n: i + 1 } });
  }
  await createAuditEvent(t.db, { actor: alice, action: "queuemapping.update", objectType: "qmapping", objectId: 1 });
  await createAuditEvent(t.db, { actor: alice, action: "jd.update", objectType: "jd", objectId: 1, after: { html: "<img src=x onerror=alert(1)>" } });
  await t.db.auditEvent.create({ data: { login: "bob", action: "node.update", objectType: "node", objectId: "1", at: new Date("2020-01-01T00:00:00Z") } });
});
afterAll(() => t.drop());

describe("audit router", () => {
  it("is for administrators only (audit:read)", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    expect((await admin.caller.audit.find({})).items.length).toBeGreaterThan(0);
    for (const role of ["config admin", "config viewer", "client", "client power user", "client read only"]) {
      const other = await callerWithRoles(t.db, [role]);
      await expect(other.caller.audit.find({})).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(anonymousCaller(t.db).audit.find({})).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("filters by login, object, action prefix and dates, newest first, with before and after", async () => {
    const { caller } = await callerWithRoles(t.db, ["administrator"]);

    const creations = await caller.audit.find({ action: "user.create" });
    const root = creations.items.find((e) => e.objectType === "user" && (e.after as { login?: string } | null)?.login === "root");
    expect(root).toMatchObject({ login: "system", fromAddress: "local", action: "user.create" });

    const queue = await caller.audit.find({ action: "queue." });
    expect(queue.items.filter((e) => e.action === "queue.pause")).toHaveLength(7);
    expect(queue.items.some((e) => e.action === "queuemapping.update")).toBe(false);
    expect(queue.items.every((e) => e.action.startsWith("queue."))).toBe(true);

    const queue0 = await caller.audit.find({ objectType: "queue", objectId: "0" });
    expect(queue0.items.map((e) => (e.before as { n: number }).n)).toEqual([6, 4, 2, 0]);
    expect(queue0.items[0]).toMatchObject({ after: { n: 7 }, login: "alice", fromAddress: "10.0.0.7" });

    const ids = (await caller.audit.find({ login: "alice" })).items.map((e) => e.id);
    expect(ids).toHaveLength(9);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const jd = await caller.audit.find({ login: "alice", action: "jd." });
    expect(jd.items[0]!.after).toEqual({ html: "<img src=x onerror=alert(1)>" });

    expect((await caller.audit.find({ login: "bob" })).items).toHaveLength(1);
    expect((await caller.audit.find({ login: "bob", from: new Date("2021-01-01") })).items).toHaveLength(0);
    expect((await caller.audit.find({ login: "bob", to: new Date("2021-01-01") })).items).toHaveLength(1);
    expect((await caller.audit.find({ login: "alice", to: new Date("2021-01-01") })).items).toHaveLength(0);
    expect((await caller.audit.find({ from: new Date("2019-12-31"), to: new Date("2020-01-02") })).items.map((e) => e.login)).toEqual(["bob"]);
    expect((await caller.audit.find({ login: "nobody" })).items).toEqual([]);
    // Blank filters are no filters.
    expect((await caller.audit.find({ login: "  ", action: "" })).items.length).toBeGreaterThan(9);
  });

  it("pages by id descending until the last page, limited to 200", async () => {
    const { caller } = await callerWithRoles(t.db, ["administrator"]);
    const all = (await caller.audit.find({ limit: 200 })).items.map((e) => e.id);
    const seen: number[] = [];
    let cursor: number | undefined;
    let pages = 0;
    do {
      const page = await caller.audit.find({ limit: 4, cursor });
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined && pages < 100);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(all.length / 4));

    const filtered = await caller.audit.find({ login: "alice", limit: 5 });
    expect(filtered.items).toHaveLength(5);
    const rest = await caller.audit.find({ login: "alice", limit: 5, cursor: filtered.nextCursor });
    expect(rest.items).toHaveLength(4);
    expect(rest.nextCursor).toBeUndefined();

    await expect(caller.audit.find({ limit: 201 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.audit.find({ limit: 0 })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.audit.find({ from: new Date("2022-01-01"), to: new Date("2021-01-01") })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });
});
