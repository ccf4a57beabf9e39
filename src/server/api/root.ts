import { createCallerFactory, createTRPCRouter } from "~/server/api/trpc";
import { auditRouter } from "~/server/api/routers/audit";
import { jobDefRouter } from "~/server/api/routers/jobdef";
import { mappingRouter } from "~/server/api/routers/mapping";
import { nodeRouter } from "~/server/api/routers/node";
import { parameterRouter } from "~/server/api/routers/parameter";
import { queueRouter } from "~/server/api/routers/queue";
import { roleRouter } from "~/server/api/routers/role";
import { runRouter } from "~/server/api/routers/run";
import { securityRouter } from "~/server/api/routers/security";
import { statsRouter } from "~/server/api/routers/stats";
import { userRouter } from "~/server/api/routers/user";

export const appRouter = createTRPCRouter({
  audit: auditRouter,
  jobDef: jobDefRouter,
  mapping: mappingRouter,
  node: nodeRouter,
  parameter: parameterRouter,
  queue: queueRouter,
  role: roleRouter,
  run: runRouter,
  security: securityRouter,
  stats: statsRouter,
  user: userRouter,
});

export type AppRouter = typeof appRouter;

export const createCaller = createCallerFactory(appRouter);
