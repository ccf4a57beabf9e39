import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "~/server/api/root";
import { createInnerTRPCContext } from "~/server/api/trpc";
import type { Principal } from "~/server/services/auth/get-principal";
import { initDatabase } from "~/server/services/setup/init-database";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";
import { PollThrottle, getMinRefreshMs } from "./poll-throttle";
import { MIN_REFRESH_PARAMETER } from "~/server/domain/parameters";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await initDatabase(t.db, { migrate: false });
  await t.db.globalParameter.create({ data: { key: MIN_REFRESH_PARAMETER, value: "60000" } });
});
afterAll(() => t.drop());

describe("minimum refresh interval, enforced by the server", () => {
  it("answers a repeated query within the interval without reading the database again", async () => {
    const { principal } = await callerWithRoles(t.db, ["administrator"]);
    const throttle = new PollThrottle();
    const caller = createCaller(createInnerTRPCContext({ db: t.db, principal, pollThrottle: throttle }));
    const nodeId = (await t.db.node.findFirstOrThrow()).id;

    expect((await caller.node.get({ id: nodeId })).logLevel).toBe("INFO");
    await t.db.node.update({ where: { id: nodeId }, data: { logLevel: "DEBUG" } });
    expect((await caller.node.get({ id: nodeId })).logLevel).toBe("INFO");

    // Another user is not served this user's answers.
    const other = await callerWithRoles(t.db, ["administrator"]);
    const otherCaller = createCaller(createInnerTRPCContext({ db: t.db, principal: other.principal, pollThrottle: throttle }));
    expect((await otherCaller.node.get({ id: nodeId })).logLevel).toBe("DEBUG");

    // The user's own mutation makes the next query fresh.
    await caller.node.update({ id: nodeId, changes: { logLevel: "WARN" } });
    expect((await caller.node.get({ id: nodeId })).logLevel).toBe("WARN");
  });

  it("does not keep errors: a refused query is answered as soon as it is allowed", async () => {
    const { principal } = await callerWithRoles(t.db, ["config viewer"]);
    const throttle = new PollThrottle();
    const as = (p: Principal) => createCaller(createInnerTRPCContext({ db: t.db, principal: p, pollThrottle: throttle }));
    const nodeId = (await t.db.node.findFirstOrThrow()).id;
    const withoutRoles = { ...principal, roles: [], permissions: [] };

    await expect(as(withoutRoles).node.get({ id: nodeId })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await as(principal).node.get({ id: nodeId })).id).toBe(nodeId);
    // Nor is an answer kept for a user who lost the permission meanwhile.
    await expect(as(withoutRoles).node.get({ id: nodeId })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("does not keep errors: a query that failed is run again at once", async () => {
    const { principal } = await callerWithRoles(t.db, ["config viewer"]);
    const nodeId = (await t.db.node.findFirstOrThrow()).id;
    let failures = 1;
    const node = new Proxy(t.db.node, {
      get(target, prop, receiver) {
        if (prop === "findUnique" && failures > 0) {
          failures--;
          return () => Promise.reject(new Error("database is locked"));
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const db = new Proxy(t.db, { get: (target, prop) => (prop === "node" ? node : (Reflect.get(target, prop, target) as unknown)) });
    const caller = createCaller(createInnerTRPCContext({ db, principal, pollThrottle: new PollThrottle() }));

    await expect(caller.node.get({ id: nodeId })).rejects.toMatchObject({ code: "INTERNAL_SERVER_ERROR" });
    expect((await caller.node.get({ id: nodeId })).id).toBe(nodeId);
  });

  it("runs a computation again after it threw, and keeps only what succeeded", async () => {
    const throttle = new PollThrottle();
    let calls = 0;
    const compute = async () => {
      calls++;
      if (calls === 1) throw new Error("first call fails");
      return calls;
    };
    await expect(throttle.run(1, "key", 60_000, compute)).rejects.toThrow("first call fails");
    expect(await throttle.run(1, "key", 60_000, compute)).toBe(2);
    expect(await throttle.run(1, "key", 60_000, compute)).toBe(2);
    expect(calls).toBe(2);
  });

  it("reads the interval from the global parameter", async () => {
    expect(await getMinRefreshMs(t.db)).toBe(60_000);
  });
});
