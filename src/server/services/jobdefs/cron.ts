import { Cron } from "croner";
import { AppError } from "~/server/services/errors";

/**
 * How every cron expression is read, by the engine's scheduler and by validation alike: croner's
 * defaults, i.e. 5 fields (minute hour day-of-month month day-of-week), an optional leading seconds
 * field, nicknames such as @daily, and the time zone of the process (the node's system time zone).
 */
const CRON_OPTIONS = { paused: true } as const;

/** A paused croner job for `expression`; throws croner's own error when the expression is invalid. */
export function createCron(expression: string): Cron {
  return new Cron(expression, CRON_OPTIONS);
}

/** The time zone cron expressions are read in on this process. */
export function cronTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** Why `expression` is not a usable schedule (croner's reason, or that it never occurs), or null. */
export function cronError(expression: string, from = new Date()): string | null {
  if (!expression.trim()) return "A cron expression is required";
  let cron: Cron;
  try {
    cron = createCron(expression);
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).replace(/^CronPattern: /, "");
  }
  if (!cron.nextRun(from)) return "This expression never occurs";
  return null;
}

/** Throws BAD_REQUEST with the reason when `expression` is not a usable schedule. */
export function assertValidCron(expression: string): void {
  const error = cronError(expression);
  if (error) throw new AppError("BAD_REQUEST", `Invalid cron expression "${expression}": ${error}`);
}

/** The next `n` occurrences of `expression` after `from`; BAD_REQUEST when it is invalid. */
export function nextOccurrences(expression: string, n: number, from = new Date()): Date[] {
  assertValidCron(expression);
  return createCron(expression).nextRuns(n, from);
}
