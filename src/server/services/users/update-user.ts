import type { Db } from "~/server/db";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { revokeUserSessions } from "~/server/services/auth/user-sessions";
import { AppError } from "~/server/services/errors";
import { countActiveAdministrators, resolveRoleIds, userSelect } from "./user-select";

export type UpdateUserOptions = {
  actor: Actor;
  id: number;
  locked?: boolean;
  email?: string | null;
  freeText?: string | null;
  expiresAt?: Date | null;
  roles?: string[];
};

export async function updateUser(db: Db, options: UpdateUserOptions) {
  const { actor, id, roles, ...fields } = options;
  return db.$transaction(async (tx) => {
    const before = await tx.user.findFirst({ where: { id, internal: false }, select: userSelect });
    if (!before) throw new AppError("NOT_FOUND", `User ${id} does not exist`);
    if (fields.locked && id === actor.userId) throw new AppError("BAD_REQUEST", "You cannot lock your own account");

    const user = await tx.user.update({
      where: { id },
      data: { ...fields, ...(roles ? { roles: { set: await resolveRoleIds(tx, roles) } } : {}) },
      select: userSelect,
    });
    const wasAdmin = before.roles.some((r) => r.name === "administrator");
    const isActiveAdmin =
      !user.locked && (!user.expiresAt || user.expiresAt > new Date()) && user.roles.some((r) => r.name === "administrator");
    if (wasAdmin && !isActiveAdmin && (await countActiveAdministrators(tx, id)) === 0) {
      throw new AppError("BAD_REQUEST", "This change would leave no active administrator");
    }
    await createAuditEvent(tx, { actor, action: "user.update", objectType: "user", objectId: id, before, after: user });
    if (user.locked && !before.locked) await revokeUserSessions(tx, { userId: id, actor, reason: "locked" });
    return user;
  });
}
