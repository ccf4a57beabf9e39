import type { DbOrTx } from "~/server/db";
import { knownParameter } from "~/server/services/parameters/known-parameters";
import { DEFAULT_MIN_REFRESH_MS, MIN_REFRESH_PARAMETER } from "~/server/domain/parameters";

const PARAMETER_TTL_MS = 10_000;
const MAX_ENTRIES_PER_USER = 200;

let parameter: { value: number; until: number } | null = null;

/** The shortest auto-refresh interval the console accepts (global parameter consoleMinRefreshMs). */
export async function getMinRefreshMs(db: DbOrTx): Promise<number> {
  if (parameter && parameter.until > Date.now()) return parameter.value;
  const row = await db.globalParameter.findUnique({ where: { key: MIN_REFRESH_PARAMETER } });
  const valid = row && knownParameter(MIN_REFRESH_PARAMETER)?.validate(row.value) === null;
  const value = valid ? Number(row.value.trim()) : DEFAULT_MIN_REFRESH_MS;
  parameter = { value, until: Date.now() + PARAMETER_TTL_MS };
  return value;
}

/**
 * The last answers of each user's queries, so that a client asking for the same thing again within
 * the minimum refresh interval gets the same answer without touching the database: a browser tab (or
 * a script) polling faster than allowed costs nothing. A user's mutation clears their answers, so
 * that they see its effect at once.
 */
export class PollThrottle {
  private readonly users = new Map<number, Map<string, { at: number; result: unknown }>>();

  async run<T>(userId: number, key: string, minMs: number, compute: () => Promise<T>): Promise<T> {
    const now = Date.now();
    let answers = this.users.get(userId);
    const hit = answers?.get(key);
    if (hit && now - hit.at < minMs) return hit.result as T;
    const result = await compute();
    if (!answers) this.users.set(userId, (answers = new Map()));
    if (answers.size >= MAX_ENTRIES_PER_USER) {
      for (const [k, v] of answers) if (now - v.at >= minMs) answers.delete(k);
      if (answers.size >= MAX_ENTRIES_PER_USER) answers.clear();
    }
    answers.set(key, { at: now, result });
    return result;
  }

  forget(userId: number) {
    this.users.delete(userId);
  }
}

/** The throttle of the console's HTTP handler (in-process callers such as tests and benchmarks have none). */
export const consolePollThrottle = new PollThrottle();
