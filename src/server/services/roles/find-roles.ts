import type { DbOrTx } from "~/server/db";

export async function findRoles(db: DbOrTx) {
  const roles = await db.role.findMany({
    orderBy: { name: "asc" },
    select: {
      id: true,
      name: true,
      description: true,
      builtIn: true,
      permissions: { select: { permission: true }, orderBy: { permission: "asc" } },
      _count: { select: { users: true } },
    },
  });
  return roles.map(({ permissions, _count, ...r }) => ({
    ...r,
    permissions: permissions.map((p) => p.permission),
    userCount: _count.users,
  }));
}
