import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initDatabase } from "~/server/services/setup/init-database";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";

let t: TestDb;
let nodeId: number;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  nodeId = (await t.db.node.findFirstOrThrow({ where: { name: "node1" } })).id;
});
afterAll(() => t.drop());

const lastAudit = (action: string) =>
  t.db.auditEvent.findFirstOrThrow({ where: { action, objectType: "node", objectId: String(nodeId) }, orderBy: { id: "desc" } });
const row = () => t.db.node.findUniqueOrThrow({ where: { id: nodeId } });

describe("node router", () => {
  it("shows a node with its pollers and what it reported", async () => {
    const queue = await t.db.queue.findFirstOrThrow({ where: { isDefault: true } });
    await t.db.nodeReport.create({
      data: {
        nodeId,
        pid: 4242,
        version: "9.9.9",
        startedAt: new Date(),
        listeners: [{ api: "simple", address: "127.0.0.1", port: 1789, tls: false, auth: "none" }],
        interfaces: [{ name: "eth0", address: "192.0.2.7", family: "IPv4", internal: false }],
        pathModes: {},
        counters: { state: "running", pollers: [{ queue: queue.name, maxThreads: 5, running: 0, polling: true, finishedPerSecond: 0 }] },
      },
    });
    const viewer = await callerWithRoles(t.db, ["config viewer"]);
    const node = await viewer.caller.node.get({ id: nodeId });
    expect(node).toMatchObject({ name: "node1", host: "127.0.0.1", report: { pid: 4242, version: "9.9.9", state: "running" } });
    expect(node.pollers).toEqual([expect.objectContaining({ queueName: queue.name, maxThreads: 5, enabled: true, polling: true, running: 0 })]);
    expect(node.bindChoices.map((c) => c.address)).toEqual(["127.0.0.1", "0.0.0.0", "::", "192.0.2.7"]);
    await expect(viewer.caller.node.get({ id: 999_999 })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("says when and by whom a node was declared dead, and judges health on the dead threshold parameter", async () => {
    const viewer = await callerWithRoles(t.db, ["config viewer"]);
    const declaredDeadAt = new Date(Date.now() - 60_000);
    await t.db.node.update({ where: { id: nodeId }, data: { heartbeatMs: 1000, lastSeenAlive: new Date(Date.now() - 90_000), declaredDeadAt, declaredDeadBy: "node7" } });
    expect(await viewer.caller.node.get({ id: nodeId })).toMatchObject({ health: "late", deadAfterMs: 120_000, declaredDeadAt, declaredDeadBy: "node7" });
    await t.db.globalParameter.create({ data: { key: "nodeDeadAfterSeconds", value: "60" } });
    expect(await viewer.caller.node.get({ id: nodeId })).toMatchObject({ health: "dead", deadAfterMs: 60_000 });
    // Never below ten heartbeats.
    await t.db.globalParameter.update({ where: { key: "nodeDeadAfterSeconds" }, data: { value: "1" } });
    expect(await viewer.caller.node.get({ id: nodeId })).toMatchObject({ deadAfterMs: 10_000 });
    await t.db.globalParameter.delete({ where: { key: "nodeDeadAfterSeconds" } });
  });

  it("lets an admin give one node its own dead threshold, validated and audited", async () => {
    const admin = await callerWithRoles(t.db, ["config admin"]);
    await t.db.node.update({ where: { id: nodeId }, data: { heartbeatMs: 1000, lastSeenAlive: new Date(Date.now() - 90_000) } });
    expect(await admin.caller.node.get({ id: nodeId })).toMatchObject({ health: "late", deadAfterMs: 120_000, deadAfterSeconds: null });
    await admin.caller.node.update({ id: nodeId, changes: { deadAfterSeconds: 60 } });
    expect(await admin.caller.node.get({ id: nodeId })).toMatchObject({ health: "dead", deadAfterMs: 60_000, deadAfterSeconds: 60 });
    expect(await lastAudit("node.update")).toMatchObject({ before: { deadAfterSeconds: null }, after: { deadAfterSeconds: 60 } });
    for (const bad of [0, 86_401, 1.5]) {
      await expect(admin.caller.node.update({ id: nodeId, changes: { deadAfterSeconds: bad } })).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/deadAfterSeconds/) });
    }
    await admin.caller.node.update({ id: nodeId, changes: { deadAfterSeconds: null } });
    expect(await admin.caller.node.get({ id: nodeId })).toMatchObject({ health: "late", deadAfterSeconds: null });
  });

  it("changes parameters with node:update only, audited with the changed values before and after", async () => {
    const viewer = await callerWithRoles(t.db, ["config viewer"]);
    await expect(viewer.caller.node.update({ id: nodeId, changes: { logLevel: "DEBUG" } })).rejects.toMatchObject({ code: "FORBIDDEN" });

    const admin = await callerWithRoles(t.db, ["config admin"]);
    const before = await row();
    await admin.caller.node.update({ id: nodeId, changes: { logLevel: "DEBUG", port: 1790, tmpDir: "/var/tmp/jw", jobsDir: before.jobsDir } });
    expect(await row()).toMatchObject({ logLevel: "DEBUG", port: 1790, tmpDir: "/var/tmp/jw" });
    const event = await lastAudit("node.update");
    expect(event).toMatchObject({ login: admin.principal.login, before: { logLevel: "INFO", port: 1789, tmpDir: before.tmpDir }, after: { logLevel: "DEBUG", port: 1790, tmpDir: "/var/tmp/jw" } });
    expect(Object.keys(event.after as object)).not.toContain("jobsDir");
  });

  it("refuses bad parameters with a message and changes nothing", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    const before = await row();
    await expect(admin.caller.node.update({ id: nodeId, changes: { host: "my-host" } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.node.update({ id: nodeId, changes: { host: "10.1.2.3" } })).rejects.toThrow(/neither loopback, all interfaces, nor an address node node1 reported/);
    await expect(admin.caller.node.update({ id: nodeId, changes: { port: 70000 } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.node.update({ id: nodeId, changes: { logDir: "  " } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.node.update({ id: nodeId, changes: { tlsEnabled: true } })).rejects.toThrow(/TLS needs a certificate/);
    await t.db.node.create({ data: { name: "node2", jobsDir: "/j", deliverablesDir: "/d", tmpDir: "/t", logDir: "/l" } });
    await expect(admin.caller.node.update({ id: nodeId, changes: { name: "node2" } })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await row()).toEqual(before);
  });

  it("makes the caller confirm anything that exposes an API beyond this host", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    await expect(admin.caller.node.update({ id: nodeId, changes: { host: "0.0.0.0" } })).rejects.toThrow(/Confirm the exposure first: the simple API becomes reachable from the network/);
    expect((await row()).host).toBe("127.0.0.1");

    const preview = await admin.caller.node.preview({ id: nodeId, changes: { host: "0.0.0.0", loadApiClient: true } });
    expect(preview.find((p) => p.api === "client")).toMatchObject({ reachableFrom: "the network" });

    await admin.caller.node.update({ id: nodeId, changes: { host: "0.0.0.0", loadApiClient: true }, confirmExposure: true });
    expect(await row()).toMatchObject({ host: "0.0.0.0", loadApiClient: true });
    expect(await lastAudit("node.update")).toMatchObject({ before: { host: "127.0.0.1", loadApiClient: false }, after: { host: "0.0.0.0", loadApiClient: true } });

    // Back to loopback exposes nothing: no confirmation needed.
    await admin.caller.node.update({ id: nodeId, changes: { host: "127.0.0.1", loadApiClient: false } });
    expect((await row()).host).toBe("127.0.0.1");
  });

  it("edits allowedHosts and payloadUser, validated and audited", async () => {
    const admin = await callerWithRoles(t.db, ["config admin"]);
    const before = await row();
    expect(before).toMatchObject({ allowedHosts: "", payloadUser: null });
    for (const allowedHosts of ["jobs.example.com:8443", "http://jobs.example.com", "jobs.example.com/x", "a b", "jobs.example.com,,x", "[::1"]) {
      await expect(admin.caller.node.update({ id: nodeId, changes: { allowedHosts } }), allowedHosts).rejects.toThrow(/allowedHosts/);
    }
    for (const payloadUser of ["Root", "1jobs", "jobs user", "a".repeat(33), "jobs;id", "../etc"]) {
      await expect(admin.caller.node.update({ id: nodeId, changes: { payloadUser } }), payloadUser).rejects.toThrow(/payloadUser/);
    }
    expect(await row()).toEqual(before);

    await admin.caller.node.update({ id: nodeId, changes: { allowedHosts: " Jobs.Example.com , 2001:db8::5,203.0.113.7 ", payloadUser: "jw_payload-1" } });
    expect(await row()).toMatchObject({ allowedHosts: "jobs.example.com, [2001:db8::5], 203.0.113.7", payloadUser: "jw_payload-1" });
    expect(await lastAudit("node.update")).toMatchObject({
      login: admin.principal.login,
      before: { allowedHosts: "", payloadUser: null },
      after: { allowedHosts: "jobs.example.com, [2001:db8::5], 203.0.113.7", payloadUser: "jw_payload-1" },
    });
    // Empty means none.
    await admin.caller.node.update({ id: nodeId, changes: { allowedHosts: " ", payloadUser: "" } });
    expect(await row()).toMatchObject({ allowedHosts: "", payloadUser: null });
    const viewer = await callerWithRoles(t.db, ["config viewer"]);
    await expect(viewer.caller.node.update({ id: nodeId, changes: { payloadUser: "jw" } })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("pauses, resumes and stops a node, audited", async () => {
    const client = await callerWithRoles(t.db, ["client"]);
    await expect(client.caller.node.pause({ id: nodeId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const admin = await callerWithRoles(t.db, ["config admin"]);
    await admin.caller.node.pause({ id: nodeId });
    expect((await row()).enabled).toBe(false);
    expect(await lastAudit("node.pause")).toMatchObject({ login: admin.principal.login, before: { enabled: true }, after: { enabled: false } });
    await admin.caller.node.resume({ id: nodeId });
    expect((await row()).enabled).toBe(true);
    await admin.caller.node.stop({ id: nodeId });
    expect((await row()).stopRequested).toBe(true);
    expect(await lastAudit("node.stop")).toMatchObject({ after: { stopRequested: true } });
  });
});
