import { randomBytes } from "node:crypto";
import { env } from "~/env";
import type { DbOrTx } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";

export type CreateUserSessionOptions = { userId: number; fromAddress: string | null; userAgent?: string | null; now?: Date };

/**
 * One row per console sign-in; its id travels in the session cookie. The row, not the cookie, says
 * whether the session still holds: revoked, or past its absolute end, it is refused however fresh the
 * cookie is.
 */
export async function createUserSession(db: DbOrTx, { userId, fromAddress, userAgent, now = new Date() }: CreateUserSessionOptions) {
  const expiresAt = new Date(now.getTime() + env.SESSION_ABSOLUTE_MAX_AGE_SECONDS * 1000);
  // Rows of sessions long over are of no use any more.
  await db.userSession.deleteMany({ where: { userId, expiresAt: { lt: new Date(now.getTime() - 7 * 24 * 3600 * 1000) } } });
  return db.userSession.create({
    data: { id: randomBytes(24).toString("base64url"), userId, expiresAt, fromAddress, userAgent: userAgent?.slice(0, 300) ?? null },
    select: { id: true, expiresAt: true },
  });
}

/** The session when it belongs to `userId`, is not revoked and has not reached its absolute end. */
export async function findActiveUserSession(db: DbOrTx, id: string, userId: number, now = new Date()) {
  const row = await db.userSession.findUnique({ where: { id }, select: { id: true, userId: true, expiresAt: true, revokedAt: true } });
  if (!row || row.userId !== userId || row.revokedAt || row.expiresAt <= now) return null;
  return row;
}

/** Sign-out: ends this one session, audited as `logout`. */
export async function revokeUserSession(db: DbOrTx, { id, actor, now = new Date() }: { id: string; actor: Actor; now?: Date }) {
  const { count } = await db.userSession.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } });
  if (count > 0) await createAuditEvent(db, { actor, action: "logout", objectType: "user", objectId: actor.userId });
  return count;
}

export type RevokeUserSessionsOptions = { userId: number; actor: Actor; reason: "password changed" | "locked"; now?: Date };

/** Ends every open session of a user (password change, lock); audited as `session.revoke` when there were any. */
export async function revokeUserSessions(db: DbOrTx, { userId, actor, reason, now = new Date() }: RevokeUserSessionsOptions) {
  const { count } = await db.userSession.updateMany({
    where: { userId, revokedAt: null, expiresAt: { gt: now } },
    data: { revokedAt: now },
  });
  if (count > 0) {
    await createAuditEvent(db, { actor, action: "session.revoke", objectType: "user", objectId: userId, after: { reason, sessions: count } });
  }
  return count;
}
