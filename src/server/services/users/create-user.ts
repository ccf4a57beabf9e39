import type { Db } from "~/server/db";
import { generatePassword, hashPassword } from "~/server/auth/password";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";
import { AppError } from "~/server/services/errors";
import { resolveRoleIds, userSelect } from "./user-select";

export type CreateUserOptions = {
  actor: Actor;
  login: string;
  /** Generated when absent; either way returned once and never stored in clear. */
  password?: string;
  email?: string | null;
  roles: string[];
  expiresAt?: Date | null;
};

export async function createUser(db: Db, options: CreateUserOptions) {
  const { actor, login, email, roles, expiresAt } = options;
  const password = options.password ?? generatePassword();
  const passwordHash = await hashPassword(password);
  return db.$transaction(async (tx) => {
    if (await tx.user.findUnique({ where: { login }, select: { id: true } })) {
      throw new AppError("CONFLICT", `A user named ${login} already exists`);
    }
    const user = await tx.user.create({
      data: {
        login,
        passwordHash,
        email: email ?? null,
        expiresAt: expiresAt ?? null,
        roles: { connect: await resolveRoleIds(tx, roles) },
      },
      select: userSelect,
    });
    await createAuditEvent(tx, { actor, action: "user.create", objectType: "user", objectId: user.id, after: user });
    return { user, password };
  });
}
