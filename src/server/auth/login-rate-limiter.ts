/**
 * Counts failed logins per key (login name, client address) in a sliding window. In memory: each
 * console process limits on its own, which bounds guessing to LOGIN_MAX_FAILURES per window per
 * process without letting an attacker lock real users out of the database.
 */
export class LoginRateLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly maxFailures: number,
    private readonly windowMs: number,
  ) {}

  /** Milliseconds until `key` may try again, 0 when it may now. */
  retryAfterMs(key: string, now = Date.now()): number {
    const recent = this.recent(key, now);
    if (recent.length < this.maxFailures) return 0;
    return recent[recent.length - this.maxFailures]! + this.windowMs - now;
  }

  recordFailure(key: string, now = Date.now()) {
    const recent = this.recent(key, now);
    recent.push(now);
    this.failures.set(key, recent);
    if (this.failures.size > 10_000) this.prune(now);
  }

  reset(key: string) {
    this.failures.delete(key);
  }

  private recent(key: string, now: number) {
    return (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
  }

  private prune(now: number) {
    for (const [key] of this.failures) if (this.recent(key, now).length === 0) this.failures.delete(key);
  }
}
