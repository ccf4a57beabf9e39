import type { z } from "zod";

/** The HTTP status of each error code, for the node APIs and the route handlers. */
export const APP_ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  BAD_GATEWAY: 502,
  GATEWAY_TIMEOUT: 504,
} as const;

export type AppErrorCode = keyof typeof APP_ERROR_STATUS;

/** The one error type services throw; routers and APIs map `code` to their status. */
export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "AppError";
  }
}

/** `schema.parse` for services: bad input is a BAD_REQUEST naming every problem, whoever the caller is. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError("BAD_REQUEST", r.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; "));
  return r.data;
}

const UNAVAILABLE_CODES = new Set(["ConnectionClosed", "DatabaseNotReachable", "P1001", "P1002", "P1008", "P1017", "ECONNREFUSED", "ECONNRESET", "57P01", "57P03", "08001", "08006", "SQLITE_BUSY"]);
const UNAVAILABLE_TEXT =
  /Connection terminated|connection error and is not queryable|Transaction already closed|server has closed the connection|ECONNREFUSED|ECONNRESET|the database system is (shutting down|starting up)|terminating connection due to administrator command|database is locked|SQLITE_BUSY/i;

/** True when `err` says the database cannot be reached or is busy right now (worth a retry, not a bug). */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && UNAVAILABLE_CODES.has(e.code)) return true;
    const kind = (e as { meta?: { driverAdapterError?: { cause?: { kind?: string } } } }).meta?.driverAdapterError?.cause?.kind;
    if (kind && UNAVAILABLE_CODES.has(kind)) return true;
    if (typeof e.message === "string" && UNAVAILABLE_TEXT.test(e.message)) return true;
  }
  return false;
}
