import type { Db } from "~/server/db";
import { createCaller } from "~/server/api/root";
import { createInnerTRPCContext } from "~/server/api/trpc";
import { SYSTEM_ACTOR } from "~/server/services/audit/create-audit-event";
import { getPrincipal } from "~/server/services/auth/get-principal";
import { createUser } from "~/server/services/users/create-user";

let counter = 0;

/** Creates a user with the given roles and returns a tRPC caller acting as them. */
export async function callerWithRoles(db: Db, roles: string[]) {
  const login = `user${++counter}_${roles.join("_").replaceAll(" ", "-") || "none"}`.slice(0, 64);
  const { user, password } = await createUser(db, { actor: SYSTEM_ACTOR, login, roles });
  const principal = await getPrincipal(db, user.id);
  if (!principal) throw new Error("principal not loadable");
  const caller = createCaller(createInnerTRPCContext({ db, principal, fromAddress: "127.0.0.1" }));
  return { caller, principal, user, password };
}

export function anonymousCaller(db: Db) {
  return createCaller(createInnerTRPCContext({ db, principal: null }));
}
