export type LoginThrottleOptions = {
  /** Failures allowed before the first delay. */
  freeFailures: number;
  /** The first delay; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Failures are forgotten this long after the last one. */
  windowMs: number;
  /** Keys kept at most (oldest dropped first), so that invented logins cannot fill memory. */
  maxKeys?: number;
};

/**
 * Growing delays between failed attempts per key: after `freeFailures` failures, the next attempt
 * waits `baseDelayMs`, then twice as long after each further failure, up to `maxDelayMs`. Never a
 * lock: the wait is bounded, and a key is only ever one caller's (login and address, or address).
 * In memory: each console process throttles on its own.
 */
export class LoginThrottle {
  private readonly entries = new Map<string, { failures: number; last: number }>();

  constructor(private readonly options: LoginThrottleOptions) {}

  /** Milliseconds until `key` may try again, 0 when it may now. */
  retryAfterMs(key: string, now: number): number {
    const entry = this.current(key, now);
    if (!entry || entry.failures < this.options.freeFailures) return 0;
    const delay = Math.min(this.options.baseDelayMs * 2 ** (entry.failures - this.options.freeFailures), this.options.maxDelayMs);
    return Math.max(0, entry.last + delay - now);
  }

  recordFailure(key: string, now: number) {
    const failures = (this.current(key, now)?.failures ?? 0) + 1;
    this.entries.delete(key);
    this.entries.set(key, { failures, last: now });
    if (this.entries.size > (this.options.maxKeys ?? 100_000)) this.prune(now);
  }

  reset(key: string) {
    this.entries.delete(key);
  }

  private current(key: string, now: number) {
    const entry = this.entries.get(key);
    if (entry && now - entry.last >= this.options.windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private prune(now: number) {
    for (const [key, entry] of this.entries) if (now - entry.last >= this.options.windowMs) this.entries.delete(key);
    const excess = this.entries.size - (this.options.maxKeys ?? 100_000);
    // Maps iterate in insertion order, and recordFailure re-inserts: the first keys are the stalest.
    if (excess > 0) for (const key of [...this.entries.keys()].slice(0, excess)) this.entries.delete(key);
  }
}
