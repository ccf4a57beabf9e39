import { createHash, randomBytes } from "node:crypto";
import type { Db, DbOrTx } from "~/server/db";
import { isValidPermissionPattern } from "~/server/domain/permissions";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";

const TOKEN_PREFIX = "jw_";

export const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export type CreateApiTokenOptions = { actor: Actor; login: string; name: string; scopes: string[]; expiresAt: Date };

/** A bearer token for the node APIs: shown once, stored as a SHA-256 hash, scoped and expiring. */
export async function createApiToken(db: Db, { actor, login, name, scopes, expiresAt }: CreateApiTokenOptions) {
  const bad = scopes.filter((s) => !isValidPermissionPattern(s));
  if (scopes.length === 0 || bad.length) throw new AppError("BAD_REQUEST", `Scopes must be object:verb permissions${bad.length ? `: ${bad.join(", ")}` : ""}`);
  if (expiresAt <= new Date()) throw new AppError("BAD_REQUEST", "The expiry must be in the future");
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { login }, select: { id: true } });
    if (!user) throw new AppError("NOT_FOUND", `User ${login} does not exist`);
    const row = await tx.apiToken.create({
      data: { userId: user.id, name, prefix: token.slice(0, 10), tokenHash: hashToken(token), scopes, expiresAt },
      select: { id: true, name: true, prefix: true, scopes: true, expiresAt: true },
    });
    await createAuditEvent(tx, { actor, action: "api_token.create", objectType: "user", objectId: user.id, after: row });
    return { ...row, token };
  });
}

/** The user and scopes behind a bearer token, or null when unknown, revoked or expired. */
export async function findApiToken(db: DbOrTx, token: string, now = new Date()) {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashToken(token) }, select: { id: true, userId: true, scopes: true, expiresAt: true, revokedAt: true, lastUsedAt: true } });
  if (!row || row.revokedAt || row.expiresAt <= now) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { userId: row.userId, scopes: row.scopes as string[] };
}
