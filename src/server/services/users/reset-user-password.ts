import type { Db } from "~/server/db";
import { generatePassword, hashPassword } from "~/server/auth/password";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { revokeUserSessions } from "~/server/services/auth/user-sessions";
import { AppError } from "~/server/services/errors";
import { removeStaleRootPasswordFile } from "~/server/services/setup/root-password-file";

export type ResetUserPasswordOptions = { actor: Actor; login: string; password?: string };

/** Sets a new password (generated when absent) and returns it once; the user's open sessions end. */
export async function resetUserPassword(db: Db, { actor, login, password }: ResetUserPasswordOptions) {
  const newPassword = password ?? generatePassword();
  const passwordHash = await hashPassword(newPassword);
  const result = await db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { login }, select: { id: true, internal: true } });
    if (!user || user.internal) throw new AppError("NOT_FOUND", `User ${login} does not exist`);
    await tx.user.update({ where: { id: user.id }, data: { passwordHash } });
    await createAuditEvent(tx, { actor, action: "user.reset_password", objectType: "user", objectId: user.id });
    await revokeUserSessions(tx, { userId: user.id, actor, reason: "password changed" });
    return { login, password: newPassword };
  });
  if (login === "root") await removeStaleRootPasswordFile(db, { actor });
  return result;
}
