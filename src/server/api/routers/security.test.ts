import type { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderSecurityReport } from "~/security/report-markdown";
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

describe("security router", () => {
  it("shows the report to security:read holders only", async () => {
    const viewer = await callerWithRoles(t.db, ["config viewer"]);
    const { report, nodes } = await viewer.caller.security.get();
    expect(report.nodes.map((n) => n.node)).toEqual(["node1"]);
    expect(report.nodes[0]!.drift.map((f) => f.id)).toContain("node.never-reported");
    expect(nodes[0]!.bindChoices.map((c) => c.address)).toEqual(["127.0.0.1", "0.0.0.0", "::"]);
    const client = await callerWithRoles(t.db, ["client"]);
    await expect(client.caller.security.get()).rejects.toMatchObject({ code: "FORBIDDEN" } satisfies Partial<TRPCError>);
  });

  it("previews the exposure of a change before it is made", async () => {
    const admin = await callerWithRoles(t.db, ["config admin"]);
    const preview = await admin.caller.security.preview({ nodeId, changes: { loadApiClient: true, host: "0.0.0.0", authClient: "none" } });
    const client = preview.find((p) => p.api === "client")!;
    expect(client).toMatchObject({ reachableFrom: "the network", risk: "critical" });
    expect(client.findings.map((f) => f.id)).toContain("api.network-anonymous");
    expect((await t.db.node.findUniqueOrThrow({ where: { id: nodeId } })).loadApiClient).toBe(false);
  });

  it("applies a toggle with node:update, audited with before and after", async () => {
    const admin = await callerWithRoles(t.db, ["config admin"]);
    await admin.caller.security.update({ nodeId, changes: { loadApiClient: true, authClient: "token" } });
    expect(await t.db.node.findUniqueOrThrow({ where: { id: nodeId } })).toMatchObject({ loadApiClient: true, authClient: "token" });
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { action: "node.update", objectId: String(nodeId) }, orderBy: { id: "desc" } });
    expect(event).toMatchObject({ login: admin.principal.login, before: { loadApiClient: false, authClient: "basic" }, after: { loadApiClient: true, authClient: "token" } });

    const viewer = await callerWithRoles(t.db, ["config viewer"]);
    await expect(viewer.caller.security.update({ nodeId, changes: { loadApiClient: false } })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("refuses a bind address the node did not report and TLS without a certificate", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    await expect(admin.caller.security.update({ nodeId, changes: { host: "10.9.9.9" } })).rejects.toThrow(/neither loopback, all interfaces, nor an address node node1 reported/);
    await expect(admin.caller.security.update({ nodeId, changes: { host: "not an ip" } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.security.update({ nodeId, changes: { tlsEnabled: true } })).rejects.toThrow(/jobwarden pki node node1/);
    expect((await t.db.node.findUniqueOrThrow({ where: { id: nodeId } })).host).toBe("127.0.0.1");
  });

  it("accepts anonymous network callers (anonymousConfirmed) only with confirmExposure, wherever the node listens", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    const row = () => t.db.node.findUniqueOrThrow({ where: { id: nodeId } });
    const saved = await row();
    // On all interfaces with authentication none: anonymous network calls are refused (403) until confirmed.
    await t.db.node.update({ where: { id: nodeId }, data: { host: "0.0.0.0", authSimple: "none", anonymousConfirmed: false } });
    await expect(admin.caller.security.update({ nodeId, changes: { anonymousConfirmed: true } })).rejects.toThrow(
      /Confirm the exposure first: the simple API accepts anonymous callers from the network/,
    );
    expect((await row()).anonymousConfirmed).toBe(false);
    // On loopback it opens nothing yet, but the next change of interface would: confirmed too.
    await t.db.node.update({ where: { id: nodeId }, data: { host: "127.0.0.1" } });
    await expect(admin.caller.security.update({ nodeId, changes: { anonymousConfirmed: true } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(admin.caller.node.update({ id: nodeId, changes: { anonymousConfirmed: true } })).rejects.toThrow(/Confirm the exposure first/);
    expect((await row()).anonymousConfirmed).toBe(false);

    await admin.caller.security.update({ nodeId, changes: { anonymousConfirmed: true }, confirmExposure: true });
    expect((await row()).anonymousConfirmed).toBe(true);
    const event = await t.db.auditEvent.findFirstOrThrow({ where: { action: "node.update", objectId: String(nodeId) }, orderBy: { id: "desc" } });
    expect(event).toMatchObject({ login: admin.principal.login, before: { anonymousConfirmed: false }, after: { anonymousConfirmed: true } });
    // Withdrawing it narrows the exposure: no confirmation.
    await admin.caller.security.update({ nodeId, changes: { anonymousConfirmed: false } });
    expect((await row()).anonymousConfirmed).toBe(false);
    await t.db.node.update({ where: { id: nodeId }, data: { host: saved.host, authSimple: saved.authSimple } });
  });

  it("lists each node's further host names and payload account with its parameters", async () => {
    await t.db.node.update({ where: { id: nodeId }, data: { allowedHosts: "jobs.example.com", payloadUser: "jw-payload" } });
    const viewer = await callerWithRoles(t.db, ["config viewer"]);
    const { nodes } = await viewer.caller.security.get();
    expect(nodes.find((n) => n.id === nodeId)!.config).toMatchObject({ allowedHosts: "jobs.example.com", payloadUser: "jw-payload" });
    await t.db.node.update({ where: { id: nodeId }, data: { allowedHosts: "", payloadUser: null } });
  });

  it("renders an export in which nothing from a node or a path can inject markup", async () => {
    const admin = await callerWithRoles(t.db, ["administrator"]);
    const { report } = await admin.caller.security.get();
    const evil = { ...report, nodes: report.nodes.map((n) => ({ ...n, node: "n|<img src=x onerror=alert(1)>\n# title" })) };
    const md = renderSecurityReport(evil);
    expect(md).toContain("# Jobwarden security report");
    expect(md).not.toMatch(/(^|[^\\])<img/);
    expect(md).toContain("\\<img src=x onerror=alert(1)\\>");
    expect(md).not.toMatch(/\n# title/);
  });
});
