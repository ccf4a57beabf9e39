import { env } from "~/env";
import type { Db } from "~/server/db";
import { LoginThrottle } from "~/server/auth/login-rate-limiter";
import { hashPassword, verifyPassword } from "~/server/auth/password";
import { createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";

/**
 * Two throttles, neither of which can lock anyone out: failures of one login from one address delay
 * that pair only (an attacker elsewhere cannot lock out an administrator; there is no lock by login
 * alone), and failures from one address across logins delay that address (spraying).
 */
const throttleOptions = { baseDelayMs: 1000, maxDelayMs: env.LOGIN_MAX_DELAY_SECONDS * 1000, windowMs: env.LOGIN_WINDOW_SECONDS * 1000 };
const byLoginAndAddress = new LoginThrottle({ ...throttleOptions, freeFailures: env.LOGIN_FREE_FAILURES });
const byAddress = new LoginThrottle({ ...throttleOptions, freeFailures: env.LOGIN_MAX_FAILURES });

function waitText(ms: number) {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 120) return seconds === 1 ? "1 second" : `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

// Verified against when the login does not exist, so that response time does not reveal logins.
let dummyHash: Promise<string> | undefined;

export type VerifyCredentialsOptions = {
  login: string;
  password: string;
  fromAddress: string | null;
  userAgent?: string | null;
  /** The console audits each sign-in; stateless API calls audit only failures. */
  auditSuccess?: boolean;
  now?: Date;
};

/**
 * Checks a login and password for the console and the node APIs' basic auth.
 * Throws AppError UNAUTHORIZED (wrong, locked, expired) or TOO_MANY_REQUESTS; audits each attempt.
 */
export async function verifyCredentials(db: Db, options: VerifyCredentialsOptions) {
  const { login, password, fromAddress, userAgent, auditSuccess = true, now = new Date() } = options;
  const at = now.getTime();
  const address = fromAddress ?? "unknown";
  const pairKey = `${login}\u0000${address}`;
  const wait = Math.max(byLoginAndAddress.retryAfterMs(pairKey, at), byAddress.retryAfterMs(address, at));
  const actor = { userId: null, login, fromAddress, userAgent };
  if (wait > 0) {
    await createAuditEvent(db, { actor, action: "login.throttled", objectType: "user", after: { retryAfterMs: wait } });
    throw new AppError("TOO_MANY_REQUESTS", `Too many failed attempts. Try again in ${waitText(wait)}.`);
  }
  const user = await db.user.findUnique({
    where: { login },
    select: { id: true, login: true, passwordHash: true, locked: true, expiresAt: true, internal: true },
  });
  const valid = await verifyPassword(user?.passwordHash ?? (await (dummyHash ??= hashPassword(crypto.randomUUID()))), password);
  const fail = async (reason: string, message: string) => {
    byLoginAndAddress.recordFailure(pairKey, at);
    byAddress.recordFailure(address, at);
    await createAuditEvent(db, { actor: { ...actor, userId: user?.id ?? null }, action: "login.failed", objectType: "user", objectId: user?.id, after: { reason } });
    throw new AppError("UNAUTHORIZED", message);
  };
  if (!user || !valid) return fail("bad credentials", "Invalid login or password");
  if (user.locked) return fail("locked", "This account is locked. Ask an administrator to unlock it.");
  if (user.expiresAt && user.expiresAt <= now) return fail("expired", "This account has expired. Ask an administrator to extend it.");

  byLoginAndAddress.reset(pairKey);
  byAddress.reset(address);
  if (auditSuccess) {
    await db.user.update({ where: { id: user.id }, data: { lastLoginAt: now } });
    await createAuditEvent(db, { actor: { ...actor, userId: user.id }, action: "login.success", objectType: "user", objectId: user.id });
  }
  return { id: user.id, login: user.login };
}
