import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { auditRouter } from "~/server/api/routers/audit";
import { nodeRouter } from "~/server/api/routers/node";
import { roleRouter } from "~/server/api/routers/role";
import { runRouter } from "~/server/api/routers/run";
import { securityRouter } from "~/server/api/routers/security";
import { statsRouter } from "~/server/api/routers/stats";
import { userRouter } from "~/server/api/routers/user";

export const appRouter = createTRPCRouter({
  audit: auditRouter,
  node: nodeRouter,
  role: roleRouter,
  run: runRouter,
  security: securityRouter,
  stats: statsRouter,
  user: userRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
