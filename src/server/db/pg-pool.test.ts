import { describe, expect, it } from "vitest";
import { env } from "~/env";
import { createPgPool } from "~/server/db";

describe.skipIf(env.TEST_DB !== "postgresql")("the PostgreSQL pool under Prisma's adapter", () => {
  it("survives an error on a connection it has just handed out, before its user listens (the server's FATAL at a restart)", async () => {
    const pool = createPgPool(env.TEST_PG_URL!);
    try {
      const client = await pool.connect();
      // What node-postgres does when the server ends a connection that runs no query.
      expect(() => client.emit("error", new Error("terminating connection due to administrator command"))).not.toThrow();
      client.release(new Error("dropped"));
      expect((await pool.query<{ one: number }>("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
