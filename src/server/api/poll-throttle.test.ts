import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "~/server/api/root";
import { createInnerTRPCContext } from "~/server/api/trpc";
import { initDatabase } from "~/server/services/setup/init-database";
import { callerWithRoles } from "~/test/principals";
import { type TestDb, createTestDb } from "~/test/test-db";
import { MIN_REFRESH_PARAMETER } from "~/server/services/parameters/known-parameters";
import { PollThrottle, getMinRefreshMs } from "./poll-throttle";

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

  it("does not keep errors: a refused query is refused each time", async () => {
    const { principal } = await callerWithRoles(t.db, ["config viewer"]);
    const caller = createCaller(createInnerTRPCContext({ db: t.db, principal, pollThrottle: new PollThrottle() }));
    await expect(caller.node.get({ id: 999_999 })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(caller.node.get({ id: 999_999 })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("reads the interval from the global parameter", async () => {
    expect(await getMinRefreshMs(t.db)).toBe(60_000);
  });
});
