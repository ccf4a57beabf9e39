import type { DbOrTx } from "~/server/db";

/** Who does something: a console user, an API caller, or the system (CLI, engine). */
export type Actor = {
  userId: number | null;
  login: string;
  fromAddress?: string | null;
  userAgent?: string | null;
};

export const SYSTEM_ACTOR: Actor = { userId: null, login: "system", fromAddress: "local" };

export type CreateAuditEventOptions = {
  actor: Actor;
  action: string;
  objectType: string;
  objectId?: string | number | null;
  before?: unknown;
  after?: unknown;
};

export async function createAuditEvent(db: DbOrTx, options: CreateAuditEventOptions) {
  const { actor, action, objectType, objectId, before, after } = options;
  return db.auditEvent.create({
    data: {
      userId: actor.userId,
      login: actor.login,
      fromAddress: actor.fromAddress ?? null,
      userAgent: actor.userAgent?.slice(0, 300) ?? null,
      action,
      objectType,
      objectId: objectId == null ? null : String(objectId),
      before: before === undefined ? undefined : JSON.parse(JSON.stringify(before)),
      after: after === undefined ? undefined : JSON.parse(JSON.stringify(after)),
    },
  });
}
