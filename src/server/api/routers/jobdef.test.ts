import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

const shellJob = (name: string) => ({ applicationName: name, queueName: "DEFAULT", payloadType: "shell" as const, path: "echo hi", parameters: { greeting: "hello" } });

describe("jobDef router", () => {
  it("lets an administrator create, schedule, update and delete, each audited with who did it", async () => {
    const { caller, principal } = await callerWithRoles(t.db, ["administrator"]);
    const jd = await caller.jobDef.create(shellJob("Console1"));
    const s = await caller.jobDef.createSchedule({ jobDefId: jd.id, schedule: { cronExpression: "0 6 * * *" } });
    await caller.jobDef.updateSchedule({ id: s.id, changes: { priority: 4 } });
    await caller.jobDef.update({ id: jd.id, changes: { description: "Morning run" } });
    const got = await caller.jobDef.get({ id: jd.id });
    expect(got).toMatchObject({ description: "Morning run", parameters: { greeting: "hello" }, schedules: [{ cronExpression: "0 6 * * *", priority: 4 }] });
    expect((await caller.jobDef.find()).map((j) => j.applicationName)).toContain("Console1");
    await caller.jobDef.deleteSchedule({ id: s.id });
    await caller.jobDef.delete({ id: jd.id });
    const events = await t.db.auditEvent.findMany({ where: { objectType: "jd", objectId: String(jd.id) }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["jd.create", "jd.schedule.create", "jd.schedule.update", "jd.update", "jd.schedule.delete", "jd.delete"]);
    expect(events.every((e) => e.login === principal.login && e.userId === principal.id && e.fromAddress === "127.0.0.1")).toBe(true);
  });

  // What each role may do; everything else is refused with FORBIDDEN and changes nothing.
  const matrix: Record<string, { read: boolean; create: boolean; update: boolean; del: boolean }> = {
    "config admin": { read: true, create: true, update: true, del: true },
    "config viewer": { read: true, create: false, update: false, del: false },
    client: { read: true, create: false, update: false, del: false },
    "client read only": { read: false, create: false, update: false, del: false },
  };
  for (const [role, may] of Object.entries(matrix)) {
    it(`enforces ${role}'s permissions on the server`, async () => {
      const admin = await callerWithRoles(t.db, ["administrator"]);
      const target = await admin.caller.jobDef.create(shellJob(`Target-${role}`));
      const { caller } = await callerWithRoles(t.db, [role]);
      const code = (ok: boolean) => (ok ? "OK" : "FORBIDDEN");
      const count = await t.db.jobDef.count();
      expect(await codeOf(caller.jobDef.find())).toBe(code(may.read));
      expect(await codeOf(caller.jobDef.get({ id: target.id }))).toBe(code(may.read));
      expect(await codeOf(caller.jobDef.queueNames())).toBe(code(may.read));
      expect(await codeOf(caller.jobDef.previewCron({ cronExpression: "* * * * *" }))).toBe(code(may.read));
      expect(await codeOf(caller.jobDef.exportXml({}))).toBe(code(may.read));
      expect(await codeOf(caller.jobDef.create(shellJob(`By-${role}`)))).toBe(code(may.create));
      expect(await codeOf(caller.jobDef.importXml({ xml: "<jqm/>" }))).toBe(may.create ? "BAD_REQUEST" : "FORBIDDEN");
      expect(await codeOf(caller.jobDef.update({ id: target.id, changes: { description: "changed" } }))).toBe(code(may.update));
      expect(await codeOf(caller.jobDef.createSchedule({ jobDefId: target.id, schedule: { cronExpression: "0 * * * *" } }))).toBe(code(may.update));
      expect(await codeOf(caller.jobDef.delete({ id: target.id }))).toBe(code(may.del));
      expect(await t.db.jobDef.count()).toBe(count + (may.create ? 1 : 0) - (may.del ? 1 : 0));
    });
  }

  it("refuses anonymous callers", async () => {
    expect(await codeOf(anonymousCaller(t.db).jobDef.find())).toBe("UNAUTHORIZED");
  });

  it("answers bad input with BAD_REQUEST, duplicates with CONFLICT, unknown ids with NOT_FOUND", async () => {
    const { caller } = await callerWithRoles(t.db, ["config admin"]);
    await caller.jobDef.create(shellJob("Once"));
    expect(await codeOf(caller.jobDef.create(shellJob("Once")))).toBe("CONFLICT");
    expect(await codeOf(caller.jobDef.create({ ...shellJob("Q"), queueName: "missing" }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.jobDef.create({ ...shellJob("P"), parameters: { ["k".repeat(51)]: "v" } }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.jobDef.create({ ...shellJob("T"), payloadType: "java" as "shell" }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.jobDef.get({ id: 987_654 }))).toBe("NOT_FOUND");
    expect(await codeOf(caller.jobDef.update({ id: 987_654, changes: { enabled: false } }))).toBe("NOT_FOUND");
    expect(await codeOf(caller.jobDef.createSchedule({ jobDefId: 987_654, schedule: { cronExpression: "0 * * * *" } }))).toBe("NOT_FOUND");
    const jd = (await caller.jobDef.find()).find((j) => j.applicationName === "Once")!;
    await expect(caller.jobDef.createSchedule({ jobDefId: jd.id, schedule: { cronExpression: "0 25 * * *" } })).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("Invalid value for hour: 25"),
    });
    await expect(caller.jobDef.importXml({ xml: "<jqm><jar>" })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("malformed XML") });
    expect(await codeOf(caller.jobDef.importXml({ xml: "x".repeat(1_000_001) }))).toBe("BAD_REQUEST");
  });

  it("previews cron expressions: five next occurrences, or croner's reason", async () => {
    const { caller } = await callerWithRoles(t.db, ["config viewer"]);
    const ok = await caller.jobDef.previewCron({ cronExpression: "*/10 * * * *" });
    expect(ok.ok).toBe(true);
    if (!ok.ok) return;
    expect(ok.occurrences).toHaveLength(5);
    expect(ok.occurrences.every((d) => d.getMinutes() % 10 === 0 && d > new Date())).toBe(true);
    expect(ok.timeZone).toBeTruthy();
    expect(await caller.jobDef.previewCron({ cronExpression: "0 25 * * *" })).toMatchObject({ ok: false, error: "Invalid value for hour: 25" });
  });

  it("exports and re-imports through the API", async () => {
    const { caller } = await callerWithRoles(t.db, ["config admin"]);
    const { xml } = await caller.jobDef.exportXml({ name: "DemoSleep" });
    const edited = xml.replace("<description>", "<description>Edited: ");
    const result = await caller.jobDef.importXml({ xml: edited });
    expect(result).toMatchObject({ created: [], updated: ["DemoSleep"], unchanged: [] });
    const jd = (await caller.jobDef.find()).find((j) => j.applicationName === "DemoSleep")!;
    expect(jd.description).toMatch(/^Edited: /);
  });

  it("needs jd:update as well as jd:create to import, since an import updates definitions", async () => {
    await t.db.role.create({ data: { name: "jd creator", permissions: { create: [{ permission: "jd:create" }, { permission: "jd:read" }] } } });
    const { caller } = await callerWithRoles(t.db, ["jd creator"]);
    await expect(caller.jobDef.importXml({ xml: "<jqm/>" })).rejects.toMatchObject({ code: "FORBIDDEN", message: "Permission jd:update is required" });
  });
});
