import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import { findNodes } from "~/server/services/nodes/find-nodes";

export const nodeRouter = createTRPCRouter({
  find: permissionProcedure("node:read").query(({ ctx }) => findNodes(ctx.db)),
});
