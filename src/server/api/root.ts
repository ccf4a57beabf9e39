import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { nodeRouter } from "~/server/api/routers/node";
import { roleRouter } from "~/server/api/routers/role";
import { securityRouter } from "~/server/api/routers/security";
import { userRouter } from "~/server/api/routers/user";

export const appRouter = createTRPCRouter({
  node: nodeRouter,
  role: roleRouter,
  security: securityRouter,
  user: userRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
