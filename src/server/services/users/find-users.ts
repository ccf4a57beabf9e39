import type { DbOrTx } from "~/server/db";
import { userSelect } from "./user-select";

export type FindUsersOptions = { query?: string; cursor?: number; limit: number };

/** Human users, by login, keyset-paginated on id. */
export async function findUsers(db: DbOrTx, { query, cursor, limit }: FindUsersOptions) {
  const rows = await db.user.findMany({
    where: { internal: false, ...(query ? { login: { contains: query } } : {}) },
    select: userSelect,
    orderBy: { id: "asc" },
    take: limit + 1,
    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
  });
  const hasMore = rows.length > limit;
  const items = hasMore ? rows.slice(0, limit) : rows;
  return { items, nextCursor: hasMore ? items.at(-1)?.id : undefined };
}
