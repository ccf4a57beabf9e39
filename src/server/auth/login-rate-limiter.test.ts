import { describe, expect, it } from "vitest";
import { LoginThrottle } from "./login-rate-limiter";

const throttle = (maxKeys?: number) => new LoginThrottle({ freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 5000, windowMs: 60_000, maxKeys });

describe("LoginThrottle", () => {
  it("lets a key fail a few times, then doubles the wait after each failure up to the cap", () => {
    const t = throttle();
    t.recordFailure("k", 0);
    expect(t.retryAfterMs("k", 0)).toBe(0);
    t.recordFailure("k", 0);
    expect(t.retryAfterMs("k", 0)).toBe(1000);
    t.recordFailure("k", 1000);
    expect(t.retryAfterMs("k", 1000)).toBe(2000);
    t.recordFailure("k", 3000);
    expect(t.retryAfterMs("k", 3000)).toBe(4000);
    t.recordFailure("k", 7000);
    expect(t.retryAfterMs("k", 7000)).toBe(5000);
    expect(t.retryAfterMs("k", 12_000)).toBe(0);
    expect(t.retryAfterMs("other", 7000)).toBe(0);
  });

  it("forgets failures a window after the last one, and on reset", () => {
    const t = throttle();
    t.recordFailure("k", 0);
    t.recordFailure("k", 0);
    t.recordFailure("k", 0);
    expect(t.retryAfterMs("k", 59_999)).toBe(0);
    t.recordFailure("k", 60_000);
    expect(t.retryAfterMs("k", 60_000)).toBe(0);
    t.recordFailure("k", 60_000);
    expect(t.retryAfterMs("k", 60_000)).toBe(1000);
    t.reset("k");
    expect(t.retryAfterMs("k", 60_000)).toBe(0);
  });

  it("keeps at most maxKeys keys, dropping the stalest", () => {
    const t = throttle(3);
    for (const [i, key] of ["a", "b", "c", "d"].entries()) {
      t.recordFailure(key, i);
      t.recordFailure(key, i);
    }
    expect(t.retryAfterMs("a", 4)).toBe(0);
    expect(t.retryAfterMs("d", 4)).toBeGreaterThan(0);
  });
});
