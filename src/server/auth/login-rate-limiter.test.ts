import { describe, expect, it } from "vitest";
import { LoginRateLimiter } from "./login-rate-limiter";

describe("LoginRateLimiter", () => {
  it("blocks a key after maxFailures within the window and frees it when the oldest failure expires", () => {
    const limiter = new LoginRateLimiter(3, 60_000);
    limiter.recordFailure("k", 0);
    limiter.recordFailure("k", 10_000);
    expect(limiter.retryAfterMs("k", 20_000)).toBe(0);
    limiter.recordFailure("k", 20_000);
    expect(limiter.retryAfterMs("k", 20_000)).toBe(40_000);
    expect(limiter.retryAfterMs("other", 20_000)).toBe(0);
    expect(limiter.retryAfterMs("k", 60_001)).toBe(0);
  });

  it("reset clears a key", () => {
    const limiter = new LoginRateLimiter(1, 60_000);
    limiter.recordFailure("k", 0);
    expect(limiter.retryAfterMs("k", 1)).toBeGreaterThan(0);
    limiter.reset("k");
    expect(limiter.retryAfterMs("k", 1)).toBe(0);
  });
});
