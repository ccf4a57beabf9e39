import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import { findRoles } from "~/server/services/roles/find-roles";

export const roleRouter = createTRPCRouter({
  find: permissionProcedure("role:read").query(({ ctx }) => findRoles(ctx.db)),
});
