import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initDatabase } from "~/server/services/setup/init-database";
import { type TestDb, createTestDb } from "~/test/test-db";
import { getSecurityReport } from "./get-security-report";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
});
afterAll(() => t.drop());

describe("security report: payload isolation per node (issue 11, finding 1)", () => {
  const node1 = async () => (await getSecurityReport(t.db)).report.nodes.find((n) => n.node === "node1")!;

  it("on a fresh install, payloads run as the node's account while config admins can write job definitions: critical, with the remediation", async () => {
    const n = await node1();
    expect(n.payloads).toMatchObject({ isolated: false, account: null });
    const f = n.surfaces.find((s) => s.id === "payloads.not-isolated");
    expect(f).toMatchObject({ risk: "critical" });
    expect(f!.title).toContain("config admin");
    expect(f!.remediation).toContain("useradd --system --no-create-home --shell /usr/sbin/nologin jobwarden-payload");
  });

  it("counts a custom role granted jd:update through a wildcard, and no finding once the node has a payload account", async () => {
    await t.db.role.create({ data: { name: "release managers", permissions: { create: [{ permission: "*:update" }] } } });
    expect((await node1()).surfaces.find((s) => s.id === "payloads.not-isolated")!.title).toContain("config admin, release managers");

    await t.db.node.update({ where: { name: "node1" }, data: { payloadUser: "jobwarden-payload" } });
    const n = await node1();
    expect(n.payloads).toEqual({ isolated: true, account: "jobwarden-payload", detail: "payloads run as jobwarden-payload" });
    expect(n.surfaces.map((s) => s.id)).not.toContain("payloads.not-isolated");
  });
});
