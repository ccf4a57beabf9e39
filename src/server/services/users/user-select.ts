import type { DbOrTx } from "~/server/db";
import { AppError } from "~/server/services/errors";

/** What leaves the server about a user: never the password hash. */
export const userSelect = {
  id: true,
  login: true,
  email: true,
  freeText: true,
  locked: true,
  expiresAt: true,
  lastLoginAt: true,
  createdAt: true,
  roles: { select: { name: true }, orderBy: { name: "asc" } },
} as const;

export { ZLoginSchema } from "~/server/domain/user-schemas";

export async function resolveRoleIds(db: DbOrTx, roleNames: readonly string[]) {
  const roles = await db.role.findMany({ where: { name: { in: [...roleNames] } }, select: { id: true, name: true } });
  const missing = roleNames.filter((n) => !roles.some((r) => r.name === n));
  if (missing.length > 0) throw new AppError("BAD_REQUEST", `Unknown role: ${missing.join(", ")}`);
  return roles.map((r) => ({ id: r.id }));
}

/** Users who can still log in as administrator, to refuse changes that would leave none. */
export async function countActiveAdministrators(db: DbOrTx, exceptUserId?: number) {
  return db.user.count({
    where: {
      locked: false,
      internal: false,
      OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
      roles: { some: { name: "administrator" } },
      ...(exceptUserId === undefined ? {} : { id: { not: exceptUserId } }),
    },
  });
}
