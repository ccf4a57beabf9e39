import { Prisma } from "~/generated/sqlite/client";
import type { DbOrTx } from "~/server/db";

/** A user who may act right now, with the union of their roles' permissions. */
export type Principal = { id: number; login: string; roles: string[]; permissions: string[] };

type Row = { id: number; login: string; locked: boolean | number; expiresAt: Date | null; role: string | null; permission: string | null };

/**
 * Loads a user for a request; null when the account is gone, locked or expired. Every console and
 * node API request runs it, so it is one join (Prisma's nested select would be three queries;
 * `_RoleToUser` is Prisma's table for the User–Role relation: A = role, B = user).
 */
export async function getPrincipal(db: DbOrTx, userId: number, now = new Date()): Promise<Principal | null> {
  const rows = await db.$queryRaw<Row[]>(Prisma.sql`
    SELECT u."id", u."login", u."locked", u."expiresAt", r."name" AS "role", p."permission"
    FROM "User" u
    LEFT JOIN "_RoleToUser" ru ON ru."B" = u."id"
    LEFT JOIN "Role" r ON r."id" = ru."A"
    LEFT JOIN "RolePermission" p ON p."roleId" = r."id"
    WHERE u."id" = ${userId}`);
  const user = rows[0];
  if (!user || Boolean(user.locked) || (user.expiresAt && user.expiresAt <= now)) return null;
  return {
    id: user.id,
    login: user.login,
    roles: [...new Set(rows.flatMap((r) => (r.role === null ? [] : [r.role])))].sort(),
    permissions: [...new Set(rows.flatMap((r) => (r.permission === null ? [] : [r.permission])))].sort(),
  };
}
