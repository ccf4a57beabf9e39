import { env } from "~/env";
import type { Db } from "~/server/db";
import { LoginRateLimiter } from "~/server/auth/login-rate-limiter";
import { hashPassword, verifyPassword } from "~/server/auth/password";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";

const limiter = new LoginRateLimiter(env.LOGIN_MAX_FAILURES, env.LOGIN_WINDOW_SECONDS * 1000);

// Verified against when the login does not exist, so that response time does not reveal logins.
let dummyHash: Promise<string> | undefined;

export type VerifyCredentialsOptions = {
  login: string;
  password: string;
  fromAddress: string | null;
  userAgent?: string | null;
  /** The console audits each sign-in; stateless API calls audit only failures. */
  auditSuccess?: boolean;
};

/**
 * Checks a login and password for the console and the node APIs' basic auth.
 * Throws AppError UNAUTHORIZED (wrong, locked, expired) or TOO_MANY_REQUESTS; audits each attempt.
 */
export async function verifyCredentials(db: Db, { login, password, fromAddress, userAgent, auditSuccess = true }: VerifyCredentialsOptions) {
  const keys = [`login:${login}`, `addr:${fromAddress ?? "unknown"}`];
  const wait = Math.max(...keys.map((k) => limiter.retryAfterMs(k)));
  const actor = { userId: null, login, fromAddress, userAgent };
  if (wait > 0) {
    await createAuditEvent(db, { actor, action: "login.throttled", objectType: "user" });
    throw new AppError("TOO_MANY_REQUESTS", `Too many failed attempts. Try again in ${Math.ceil(wait / 60_000)} minute(s).`);
  }
  const user = await db.user.findUnique({
    where: { login },
    select: { id: true, login: true, passwordHash: true, locked: true, expiresAt: true, internal: true },
  });
  const valid = await verifyPassword(user?.passwordHash ?? (await (dummyHash ??= hashPassword(crypto.randomUUID()))), password);
  const fail = async (reason: string, message: string) => {
    keys.forEach((k) => limiter.recordFailure(k));
    await createAuditEvent(db, { actor: { ...actor, userId: user?.id ?? null }, action: "login.failed", objectType: "user", objectId: user?.id, after: { reason } });
    throw new AppError("UNAUTHORIZED", message);
  };
  if (!user || !valid) return fail("bad credentials", "Invalid login or password");
  if (user.locked) return fail("locked", "This account is locked. Ask an administrator to unlock it.");
  if (user.expiresAt && user.expiresAt <= new Date()) return fail("expired", "This account has expired. Ask an administrator to extend it.");

  keys.forEach((k) => limiter.reset(k));
  if (auditSuccess) {
    await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
    await createAuditEvent(db, { actor: { ...actor, userId: user.id }, action: "login.success", objectType: "user", objectId: user.id });
  }
  return { id: user.id, login: user.login };
}
