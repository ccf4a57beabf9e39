import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { env } from "~/env";
import type { DbOrTx } from "~/server/db";
import { verifyPassword } from "~/server/auth/password";
import { type Actor, createAuditEvent } from "~/server/services/audit/create-audit-event";

/** Where init writes root's first password (0600), for whoever installed to sign in once. */
export const rootPasswordFile = () => join(env.JOBWARDEN_HOME, "root-password.txt");

/**
 * Removes the first root password file once it no longer holds root's password (root changed it,
 * or it was reset): from then on it only tells a reader how passwords look. Audited. Returns
 * whether it removed the file; a file on another host is removed by that host's next start.
 */
export async function removeStaleRootPasswordFile(db: DbOrTx, { actor, file = rootPasswordFile() }: { actor: Actor; file?: string }): Promise<boolean> {
  const content = await readFile(file, "utf8").catch(() => null);
  if (content === null) return false;
  const root = await db.user.findUnique({ where: { login: "root" }, select: { id: true, passwordHash: true } });
  if (root && (await verifyPassword(root.passwordHash, content.trim()))) return false;
  await rm(file, { force: true });
  await createAuditEvent(db, { actor, action: "root_password_file.delete", objectType: "user", objectId: root?.id ?? null, after: { file } });
  return true;
}
