import type { Logger } from "pino";

/**
 * Retries a database write until it succeeds (back-off +1 s per attempt, at most 60 s), so that
 * a run's end survives a database outage. Gives up only when `shouldStop` says so.
 */
export async function retryUntilWritten<T>(what: string, fn: () => Promise<T>, log: Logger, shouldStop = () => false): Promise<T | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (shouldStop()) return undefined;
      const delay = Math.min(60_000, attempt * 1000);
      log.warn({ err, attempt, delay }, `${what} failed; retrying`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal) {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
