import { describe, expect, it } from "vitest";
import { AppError } from "~/server/services/errors";
import { assertValidCron, createCron, cronError, nextOccurrences } from "./cron";

describe("cron expressions, read as the scheduler reads them", () => {
  const from = new Date("2026-01-01T10:02:00");

  it("gives the next occurrences of a five-field expression in the process time zone", () => {
    expect(nextOccurrences("*/15 * * * *", 3, from)).toEqual([
      new Date("2026-01-01T10:15:00"),
      new Date("2026-01-01T10:30:00"),
      new Date("2026-01-01T10:45:00"),
    ]);
    expect(nextOccurrences("0 9 * * MON-FRI", 2, from)).toEqual([new Date("2026-01-02T09:00:00"), new Date("2026-01-05T09:00:00")]);
    expect(nextOccurrences("0 0 L * *", 2, from)).toEqual([new Date("2026-01-31T00:00:00"), new Date("2026-02-28T00:00:00")]);
    expect(nextOccurrences("@daily", 1, from)).toEqual([new Date("2026-01-02T00:00:00")]);
  });

  it("accepts what the engine's scheduler accepts, including a leading seconds field", () => {
    expect(cronError("*/10 * * * * *")).toBeNull();
    expect(createCron("*/10 * * * * *").nextRun(from)).toEqual(new Date("2026-01-01T10:02:10"));
  });

  it("explains invalid expressions with croner's reason", () => {
    expect(cronError("61 * * * *")).toBe("Invalid value for minute: 61");
    expect(cronError("every day")).toMatch(/five, six, or seven space separated parts/);
    expect(cronError("")).toBe("A cron expression is required");
    expect(cronError("0 0 30 2 *")).toBe("This expression never occurs");
    expect(() => assertValidCron("5/5 * * * *")).toThrow(AppError);
    try {
      nextOccurrences("* * * * MOO", 5);
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining('Invalid cron expression "* * * * MOO"') });
    }
  });
});
