import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initDatabase } from "~/server/services/setup/init-database";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";
import { createJobDef } from "./create-jobdef";
import { listJobDefs } from "./read-model";
import { createJobSchedule } from "./job-schedules";
import { exportJobDefsXml, importJobDefsXml, parseJobDefsXml } from "./jobdef-xml";
import { updateJobDef } from "./update-jobdef";

const actor = { userId: null, login: "tester", fromAddress: "127.0.0.1" };

let source: TestDb;
let target: TestDb;
beforeAll(async () => {
  [source, target] = await Promise.all([createTestDb(), createTestDb()]);
  await initDatabase(source.db, { migrate: false });
  await initDatabase(target.db, { migrate: false });
});
afterAll(async () => {
  await source.drop();
  await target.drop();
});

/** What a user compares between two databases: everything but ids, dates and computed values. */
async function definitions(db: TestDb["db"]) {
  return (await listJobDefs(db)).map(({ id: _i, createdAt: _c, updatedAt: _u, schedules, ...jd }) => ({
    ...jd,
    schedules: schedules.map(({ id: _s, lastFiredAt: _l, nextRunAt: _n, ...s }) => s),
  }));
}

function descriptor(jobDefinition: string, { pathType = "DEFAULTSHELLCOMMAND", path = "echo hi", extra = "" } = {}) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<jqm>
  <jar>
    <path>${path}</path>
    <pathType>${pathType}</pathType>
    <jobdefinitions>
      <jobDefinition>${jobDefinition}</jobDefinition>
    </jobdefinitions>
  </jar>${extra}
</jqm>`;
}

async function importFailure(db: TestDb["db"], xml: string): Promise<string> {
  const before = { jds: await db.jobDef.count(), queues: await db.queue.count(), audit: await db.auditEvent.count() };
  let message = "imported";
  try {
    await importJobDefsXml(db, { actor, xml });
  } catch (e) {
    expect(e).toMatchObject({ code: "BAD_REQUEST" });
    message = (e as Error).message;
  }
  expect({ jds: await db.jobDef.count(), queues: await db.queue.count(), audit: await db.auditEvent.count() }).toEqual(before);
  return message;
}

describe("JQM deployment descriptor", () => {
  it("round-trips: export, then import into a fresh database, gives the same definitions", async () => {
    await source.db.queue.create({ data: { name: "batch" } });
    await createJobDef(source.db, {
      actor,
      jobDef: {
        applicationName: "Billing <&> 'quoted'",
        description: 'Line one\nline "two" & more',
        queueName: "batch",
        payloadType: "shell",
        path: 'test -n "$1" && echo "<done>"',
        parameters: { "1_first": "a & b", "2_second": "<x/>" },
        highlander: true,
        canBeRestarted: false,
        priority: 7,
        enabled: false,
        alertAfterSeconds: 600,
        application: "Finance",
        module: "Invoices",
        keyword1: "k1",
        keyword2: "k2",
        keyword3: "k3",
      },
    });
    const exe = await createJobDef(source.db, {
      actor,
      jobDef: { applicationName: "Exe", queueName: "DEFAULT", payloadType: "exec", path: "/bin/sleep", parameters: { s: "1" }, alertAfterSeconds: 90 },
    });
    await createJobSchedule(source.db, { actor, jobDefId: exe.id, schedule: { cronExpression: "*/5 * * * *", queueName: "batch", priority: 3, parameters: { p: "q" } } });
    await createJobSchedule(source.db, { actor, jobDefId: exe.id, schedule: { cronExpression: "0 12 * * MON", enabled: false } });
    await createJobDef(source.db, { actor, jobDef: { applicationName: "NodeJob", queueName: "DEFAULT", payloadType: "node", path: "jobs/report.mjs" } });

    const { xml, count } = await exportJobDefsXml(source.db);
    expect(count).toBe(6);
    expect(xml).toContain("<pathType>DEFAULTSHELLCOMMAND</pathType>");
    expect(xml).toContain("<pathType>DIRECTEXECUTABLE</pathType>");
    expect(xml).toContain("<pathType>NODEMODULE</pathType>");
    expect(xml).toContain("<reasonableRuntimeLimitMinute>10</reasonableRuntimeLimitMinute>");
    expect(xml).toContain("<name>Billing &lt;&amp;&gt; &apos;quoted&apos;</name>");

    const result = await importJobDefsXml(target.db, { actor, xml });
    expect(result.queuesCreated).toEqual(["batch"]);
    expect(result.updated).toEqual([]);
    expect(result.created).toHaveLength(3);
    expect(result.unchanged.sort()).toEqual(["DemoEcho", "DemoReport", "DemoSleep"]);
    expect(await definitions(target.db)).toEqual(await definitions(source.db));
    const queueAudit = await target.db.auditEvent.findFirst({ where: { action: "queue.create", objectType: "queue", login: "tester" } });
    expect(queueAudit?.after).toMatchObject({ name: "batch" });

    // Idempotent: a second import changes nothing and audits nothing.
    const audits = await target.db.auditEvent.count();
    const again = await importJobDefsXml(target.db, { actor, xml });
    expect(again).toMatchObject({ created: [], updated: [], queuesCreated: [] });
    expect(again.unchanged).toHaveLength(6);
    expect(await target.db.auditEvent.count()).toBe(audits);
  });

  it("exports one definition by name and refuses an unknown one", async () => {
    const { xml, count } = await exportJobDefsXml(source.db, { name: "DemoSleep" });
    expect(count).toBe(1);
    expect(xml).toContain("<name>DemoSleep</name>");
    expect(xml).not.toContain("DemoEcho");
    await expect(exportJobDefsXml(source.db, { name: "Nope" })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("imports a JQM file as JQM does: upsert by name, default queue, other1 as keyword1, minutes as seconds", async () => {
    const xml = descriptor(`
        <name>JqmShell</name>
        <description>From JQM</description>
        <canBeRestarted>true</canBeRestarted>
        <javaClassName></javaClassName>
        <maxTimeRunning>5</maxTimeRunning>
        <module>mod</module>
        <other1>legacy</other1>
        <reasonableRuntimeLimitMinute>3</reasonableRuntimeLimitMinute>
        <highlander>false</highlander>
        <parameters><parameter><key>x</key><value>1</value></parameter></parameters>`);
    expect(await importJobDefsXml(target.db, { actor, xml })).toMatchObject({ created: ["JqmShell"] });
    const [jd] = (await listJobDefs(target.db, { names: ["JqmShell"] }))!;
    expect(jd).toMatchObject({ queueName: "DEFAULT", payloadType: "shell", path: "echo hi", module: "mod", keyword1: "legacy", alertAfterSeconds: 180, parameters: { x: "1" } });

    // Re-import with a change: updated, audited; enabled (absent from JQM files) is kept.
    await updateJobDef(target.db, { actor, id: jd!.id, changes: { enabled: false } });
    const changed = xml.replace("<module>mod</module>", "<module>mod2</module>");
    expect(await importJobDefsXml(target.db, { actor, xml: changed })).toMatchObject({ updated: ["JqmShell"] });
    const [after] = await listJobDefs(target.db, { names: ["JqmShell"] });
    expect(after).toMatchObject({ module: "mod2", enabled: false });
    const event = await target.db.auditEvent.findFirstOrThrow({ where: { objectType: "jd", objectId: String(jd!.id), action: "jd.update" }, orderBy: { id: "desc" } });
    expect(event.before).toEqual({ applicationName: "JqmShell", module: "mod" });
    expect(event.after).toEqual({ applicationName: "JqmShell", module: "mod2" });
  });

  it("refuses Java and PowerShell payloads, naming the job definition, and writes nothing", async () => {
    for (const pathType of ["FS", "MAVEN", "MEMORY", "POWERSHELLCOMMAND"]) {
      const message = await importFailure(target.db, descriptor("<name>JavaJob</name><javaClassName>com.x.Main</javaClassName>", { pathType, path: "x.jar" }));
      expect(message).toContain(`Job definition JavaJob: pathType ${pathType}`);
      expect(message).toContain("which Jobwarden does not run");
    }
    const noType = descriptor("<name>Implicit</name>").replace("<pathType>DEFAULTSHELLCOMMAND</pathType>", "");
    expect(await importFailure(target.db, noType)).toContain("pathType FS (the default when <pathType> is absent) is a Java jar");
  });

  it("is all or nothing: one bad definition and none is written, not even its queue", async () => {
    const xml = `<jqm>
      <jar><path>echo ok</path><pathType>DEFAULTSHELLCOMMAND</pathType><jobdefinitions>
        <jobDefinition><name>GoodOne</name><queue>brand-new-queue</queue></jobDefinition>
      </jobdefinitions></jar>
      <jar><path>lib.jar</path><pathType>MAVEN</pathType><jobdefinitions>
        <jobDefinition><name>BadOne</name></jobDefinition>
      </jobdefinitions></jar>
    </jqm>`;
    const message = await importFailure(target.db, xml);
    expect(message).toMatch(/^Nothing was imported: Job definition BadOne: pathType MAVEN/);
    expect(await target.db.queue.findUnique({ where: { name: "brand-new-queue" } })).toBeNull();
  });

  it("refuses unknown elements, bad values and malformed XML with the element at fault", async () => {
    expect(await importFailure(target.db, descriptor("<name>A</name><colour>red</colour>"))).toContain(
      "<jar> #1 › <jobdefinitions> › <jobDefinition> #1: unknown element <colour>",
    );
    expect(await importFailure(target.db, descriptor("<name>A</name><highlander>yes</highlander>"))).toContain("<highlander> must be true or false, not \"yes\"");
    expect(await importFailure(target.db, descriptor("<name>A</name><keyword1>" + "k".repeat(51) + "</keyword1>"))).toContain("(A): keyword1: At most 50 characters");
    expect(await importFailure(target.db, descriptor("<name>A</name><schedules><schedule><cron>61 * * * *</cron></schedule></schedules>"))).toContain(
      "<schedule> #1: cronExpression: Invalid cron expression: Invalid value for minute: 61",
    );
    expect(await importFailure(target.db, descriptor("<name>A</name><parameters><parameter><key>k</key></parameter><parameter><key>k</key></parameter></parameters>"))).toContain(
      "parameter k is given twice",
    );
    expect(await importFailure(target.db, descriptor("<name>Dup</name></jobDefinition><jobDefinition><name>Dup</name>"))).toContain("the name Dup is used twice");
    expect(await importFailure(target.db, descriptor("<description>no name</description>"))).toContain("<jobDefinition> #1: needs a <name>");
    expect(await importFailure(target.db, descriptor("<name>Ctx</name><executionContext>cl1</executionContext>"))).toContain("Java class loader");
    expect(await importFailure(target.db, descriptor("<name>A</name>", { extra: "<context><name>cl</name></context>" }))).toContain("<context>");
    expect(await importFailure(target.db, "<jqm><jar><path>x</jar></jqm>")).toMatch(/malformed XML at line 1, column \d+: .*closing tag/);
    expect(await importFailure(target.db, "<queues/>")).toContain("the root element must be <jqm>, found <queues>");
    expect(await importFailure(target.db, "")).toContain("the file is empty");
    expect(await importFailure(target.db, "<jqm/>")).toContain("<jqm>: has no <jar>");
  });

  it("refuses DOCTYPE declarations (no entity expansion) and files over 1 MB", async () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE jqm [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${descriptor("<name>&b;</name>")}`;
    expect(await importFailure(target.db, bomb)).toContain("DOCTYPE");
    const xxe = `<?xml version="1.0"?><!DOCTYPE jqm [<!ENTITY x SYSTEM "file:///etc/passwd">]><jqm/>`;
    expect(await importFailure(target.db, xxe)).toContain("DOCTYPE");
    const huge = descriptor(`<name>Big</name><description>${"x".repeat(1_000_001)}</description>`);
    expect(await importFailure(target.db, huge)).toContain("larger than 1 MB");
  });

  it("decodes the standard entities and character references", () => {
    const [p] = parseJobDefsXml(descriptor("<name>Ent</name><description>a &amp;&amp; b &lt;c&gt; &#65;&#x42; <![CDATA[<raw & text>]]></description>"));
    expect(p!.jobDef.description).toBe("a && b <c> AB<raw & text>");
  });
});

describe("JQM deployment descriptor: hostile files", () => {
  it("answers 400 (BAD_REQUEST), not 500, to a file nested deeper than the parser allows", async () => {
    const deep = (n: number) => descriptor(`<name>Deep</name><description>${"<a>".repeat(n)}x${"</a>".repeat(n)}</description>`);
    expect(await importFailure(target.db, deep(101))).toContain("nested deeper than");
    expect(await importFailure(target.db, deep(5000))).toContain("nested deeper than");
    const { caller } = await callerWithRoles(target.db, ["administrator"]);
    const err = await caller.jobDef.importXml({ xml: deep(101) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect(err).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("nested deeper than") });
  });

  it("answers 400, not 500, to elements named after JavaScript's prototype properties", async () => {
    expect(await importFailure(target.db, descriptor("<name>P1</name><__proto__>x</__proto__>"))).toContain("\"__proto__\"");
    expect(await importFailure(target.db, descriptor("<name>P2</name><parameters><constructor>x</constructor></parameters>"))).toContain("\"constructor\"");
  });

  it("refuses queue names that queue.create refuses, in a definition and in a schedule, and creates nothing", async () => {
    const { caller } = await callerWithRoles(target.db, ["administrator"]);
    const bad = "<img src=x onerror=alert(1)>";
    expect(await codeOfCall(caller.queue.create({ name: bad }))).toBe("BAD_REQUEST");
    const escaped = "&lt;img src=x onerror=alert(1)&gt;";
    const inDef = await importFailure(target.db, descriptor(`<name>Markup1</name><queue>${escaped}</queue>`));
    expect(inDef).toContain(`(Markup1): queue ${bad}: Queue name: 1 to 50 letters, digits, dots, dashes or underscores`);
    const inSchedule = await importFailure(
      target.db,
      descriptor(`<name>Markup2</name><schedules><schedule><cron>0 6 * * *</cron><queue>a b</queue></schedule></schedules>`),
    );
    expect(inSchedule).toContain("(Markup2): queue a b: Queue name: 1 to 50 letters");
    // Through the router too: the same 400.
    expect(await codeOfCall(caller.jobDef.importXml({ xml: descriptor(`<name>Markup3</name><queue>${escaped}</queue>`) }))).toBe("BAD_REQUEST");
    expect(await target.db.queue.findMany({ where: { name: { contains: "<" } } })).toEqual([]);
  });

  it("still imports into an existing queue and creates a new queue whose name queue.create accepts", async () => {
    const result = await importJobDefsXml(target.db, { actor, xml: descriptor("<name>NewQueueJob</name><queue>nightly-2.b_x</queue>") });
    expect(result.queuesCreated).toEqual(["nightly-2.b_x"]);
  });

  it("refuses job definition names that the console's jobDef.create refuses", async () => {
    const { caller } = await callerWithRoles(target.db, ["administrator"]);
    const long = "N".repeat(101);
    expect(await codeOfCall(caller.jobDef.create({ applicationName: long, queueName: "DEFAULT", payloadType: "shell", path: "echo" }))).toBe("BAD_REQUEST");
    expect(await importFailure(target.db, descriptor(`<name>${long}</name>`))).toContain("applicationName: At most 100 characters");
  });
});

async function codeOfCall(p: Promise<unknown>) {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof TRPCError) return e.code;
    throw e;
  }
}
