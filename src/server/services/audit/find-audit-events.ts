import type { DbOrTx } from "~/server/db";

export type FindAuditEventsOptions = {
  login?: string;
  objectType?: string;
  objectId?: string;
  /** Prefix: "user." matches user.create, user.update, ... */
  action?: string;
  from?: Date;
  to?: Date;
  /** Id of the last event of the previous page: the next page has smaller ids. */
  cursor?: number;
  limit: number;
};

/** Audit events, newest first, keyset-paginated on id descending. */
export async function findAuditEvents(db: DbOrTx, options: FindAuditEventsOptions) {
  const { login, objectType, objectId, action, from, to, cursor, limit } = options;
  const rows = await db.auditEvent.findMany({
    where: {
      ...(login ? { login } : {}),
      ...(objectType ? { objectType } : {}),
      ...(objectId ? { objectId } : {}),
      ...(action ? { action: { startsWith: action } } : {}),
      ...(from || to ? { at: { ...(from ? { gte: from } : {}), ...(to ? { lte: to } : {}) } } : {}),
      ...(cursor ? { id: { lt: cursor } } : {}),
    },
    select: {
      id: true,
      at: true,
      login: true,
      fromAddress: true,
      userAgent: true,
      action: true,
      objectType: true,
      objectId: true,
      before: true,
      after: true,
    },
    orderBy: { id: "desc" },
    take: limit + 1,
  });
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  return { items, nextCursor: hasMore ? items.at(-1)?.id : undefined };
}
