import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { retentionDays } from "~/engine/retention";
import { initDatabase } from "~/server/services/setup/init-database";
import { anonymousCaller, callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";
import { RETENTION_PARAMETER } from "~/server/domain/parameters";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

async function auditOf(action: string, key: string) {
  return t.db.auditEvent.findFirstOrThrow({ where: { action, objectId: key }, orderBy: { id: "desc" } });
}

describe("parameter router", () => {
  it("lists the parameters Jobwarden reads even when unset, with their default", async () => {
    const { caller } = await callerWithRoles(t.db, ["config viewer"]);
    const params = await caller.parameter.find();
    expect(params.find((p) => p.key === RETENTION_PARAMETER)).toMatchObject({ value: null, known: true, defaultValue: null, updatedAt: null });
    expect(params.find((p) => p.key === "consoleMinRefreshMs")).toMatchObject({
      value: null,
      known: true,
      defaultValue: "2000",
      description: "Shortest auto-refresh interval the console accepts, in ms",
    });
  });

  it("sets, changes and unsets retention, auditing before and after; the engine reads the value", async () => {
    const { caller, principal } = await callerWithRoles(t.db, ["config admin"]);
    await caller.parameter.create({ key: RETENTION_PARAMETER, value: "30" });
    expect(await retentionDays(t.db)).toBe(30);
    expect(await auditOf("prm.create", RETENTION_PARAMETER)).toMatchObject({ objectType: "prm", login: principal.login, after: { key: RETENTION_PARAMETER, value: "30" } });

    await caller.parameter.update({ key: RETENTION_PARAMETER, value: " 90 " });
    expect(await retentionDays(t.db)).toBe(90);
    expect(await auditOf("prm.update", RETENTION_PARAMETER)).toMatchObject({ before: { value: "30" }, after: { value: "90" } });
    const listed = (await caller.parameter.find()).find((p) => p.key === RETENTION_PARAMETER);
    expect(listed).toMatchObject({ value: "90", known: true });
    expect(listed?.updatedAt).toBeInstanceOf(Date);

    await caller.parameter.delete({ key: RETENTION_PARAMETER });
    expect(await retentionDays(t.db)).toBeNull();
    expect(await auditOf("prm.delete", RETENTION_PARAMETER)).toMatchObject({ before: { key: RETENTION_PARAMETER, value: "90" } });
    await expect(caller.parameter.get({ key: RETENTION_PARAMETER })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("refuses invalid values of known parameters with BAD_REQUEST", async () => {
    const { caller } = await callerWithRoles(t.db, ["config admin"]);
    for (const value of ["0", "-3", "1.5", "thirty", "", "36501"]) {
      await expect(caller.parameter.create({ key: RETENTION_PARAMETER, value })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(caller.parameter.create({ key: "consoleMinRefreshMs", value: "100" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "consoleMinRefreshMs must be between 500 and 600,000 ms",
    });
    await caller.parameter.create({ key: "consoleMinRefreshMs", value: "5000" });
    await expect(caller.parameter.update({ key: "consoleMinRefreshMs", value: "600001" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await caller.parameter.get({ key: "consoleMinRefreshMs" })).value).toBe("5000");
  });

  it("allows free parameters, shown as not used by Jobwarden, and validates keys and sizes", async () => {
    const { caller } = await callerWithRoles(t.db, ["config admin"]);
    await caller.parameter.create({ key: "mavenRepo", value: "http://repo1.maven.org/maven2/" });
    expect((await caller.parameter.find()).find((p) => p.key === "mavenRepo")).toMatchObject({ known: false, description: null, value: "http://repo1.maven.org/maven2/" });
    await expect(caller.parameter.create({ key: "mavenRepo", value: "x" })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(caller.parameter.create({ key: "bad key", value: "x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.parameter.create({ key: "k".repeat(51), value: "x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.parameter.create({ key: "", value: "x" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(caller.parameter.create({ key: "big", value: "v".repeat(1001) })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await caller.parameter.create({ key: "big", value: "v".repeat(1000) });
    await expect(caller.parameter.update({ key: "nope", value: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.parameter.delete({ key: "nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("lets a config viewer read parameters only, and refuses others", async () => {
    const viewer = await callerWithRoles(t.db, ["config viewer"]);
    expect((await viewer.caller.parameter.find()).length).toBeGreaterThan(0);
    await expect(viewer.caller.parameter.create({ key: "x", value: "y" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewer.caller.parameter.update({ key: "mavenRepo", value: "y" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(viewer.caller.parameter.delete({ key: "mavenRepo" })).rejects.toMatchObject({ code: "FORBIDDEN" });
    for (const role of ["client", "client read only"]) {
      const { caller } = await callerWithRoles(t.db, [role]);
      await expect(caller.parameter.find()).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(anonymousCaller(t.db).parameter.find()).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect((await t.db.globalParameter.findUniqueOrThrow({ where: { key: "mavenRepo" } })).value).toBe("http://repo1.maven.org/maven2/");
  });
});
