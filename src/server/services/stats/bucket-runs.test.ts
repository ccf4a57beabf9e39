import { describe, expect, it } from "vitest";
import { bucketRuns, bucketWindowStart } from "./bucket-runs";

const MINUTE = 60_000;
const now = new Date("2026-01-01T12:34:56.789Z");

describe("bucketRuns", () => {
  it("aligns buckets on whole minutes, the last one containing now", () => {
    const buckets = bucketRuns([], { now, bucketMs: MINUTE, count: 60 });
    expect(buckets).toHaveLength(60);
    expect(buckets[0]!.start.toISOString()).toBe("2026-01-01T11:35:00.000Z");
    expect(buckets.at(-1)!.start.toISOString()).toBe("2026-01-01T12:34:00.000Z");
    expect(bucketWindowStart({ now, bucketMs: 3_600_000, count: 24 }).toISOString()).toBe("2025-12-31T13:00:00.000Z");
    expect(buckets.every((b) => b.ended + b.crashed + b.cancelled === 0)).toBe(true);
  });

  it("counts each state in its bucket and ignores rows outside the window and live states", () => {
    const rows = [
      { endedAt: new Date("2026-01-01T12:34:00.000Z"), state: "ENDED" },
      { endedAt: new Date("2026-01-01T12:34:56.000Z"), state: "CRASHED" },
      { endedAt: new Date("2026-01-01T12:33:59.999Z"), state: "ENDED" },
      { endedAt: new Date("2026-01-01T11:35:00.000Z"), state: "CANCELLED" },
      { endedAt: new Date("2026-01-01T11:34:59.999Z"), state: "ENDED" }, // before the window
      { endedAt: new Date("2026-01-01T12:35:00.000Z"), state: "ENDED" }, // after the last bucket
      { endedAt: new Date("2026-01-01T12:00:00.000Z"), state: "RUNNING" },
    ];
    const buckets = bucketRuns(rows, { now, bucketMs: MINUTE, count: 60 });
    expect(buckets.at(-1)).toMatchObject({ ended: 1, crashed: 1, cancelled: 0 });
    expect(buckets.at(-2)).toMatchObject({ ended: 1, crashed: 0, cancelled: 0 });
    expect(buckets[0]).toMatchObject({ ended: 0, crashed: 0, cancelled: 1 });
    const total = buckets.reduce((n, b) => n + b.ended + b.crashed + b.cancelled, 0);
    expect(total).toBe(4);
  });

  it("refuses nonsensical bucket sizes", () => {
    expect(() => bucketRuns([], { now, bucketMs: 0, count: 10 })).toThrow(RangeError);
    expect(() => bucketRuns([], { now, bucketMs: MINUTE, count: 0 })).toThrow(RangeError);
  });
});
