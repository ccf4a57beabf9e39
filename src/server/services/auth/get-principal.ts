import type { DbOrTx } from "~/server/db";

/** A user who may act right now, with the union of their roles' permissions. */
export type Principal = { id: number; login: string; roles: string[]; permissions: string[] };

/** Loads a user for a request; null when the account is gone, locked or expired. */
export async function getPrincipal(db: DbOrTx, userId: number, now = new Date()): Promise<Principal | null> {
  const user = await db.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      login: true,
      locked: true,
      expiresAt: true,
      roles: { select: { name: true, permissions: { select: { permission: true } } } },
    },
  });
  if (!user || user.locked || (user.expiresAt && user.expiresAt <= now)) return null;
  return {
    id: user.id,
    login: user.login,
    roles: user.roles.map((r) => r.name),
    permissions: [...new Set(user.roles.flatMap((r) => r.permissions.map((p) => p.permission)))].sort(),
  };
}
