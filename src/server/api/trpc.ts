/**
 * tRPC anatomy: CONTEXT (who calls, from where), INIT (transformer, error shape), PROCEDURES (what
 * each base procedure guarantees). Routers may only use the procedures exported at the bottom.
 */
import { TRPCError, initTRPC } from "@trpc/server";
import superjson from "superjson";
import { ZodError, z } from "zod";
import { type Db, db as defaultDb } from "~/server/db";
import { getCurrentPrincipal } from "~/server/auth/config";
import { clientAddress } from "~/server/auth/client-address";
import { type Permission, hasPermission } from "~/server/domain/permissions";
import type { Actor } from "~/server/services/audit/create-audit-event";
import type { Principal } from "~/server/services/auth/get-principal";
import { AppError } from "~/server/services/errors";
import { type PollThrottle, consolePollThrottle, getMinRefreshMs } from "./poll-throttle";

/* CONTEXT */

export type InnerContext = {
  db: Db;
  principal: Principal | null;
  fromAddress: string | null;
  userAgent: string | null;
  /** Origin and Host of the request, to refuse cross-site mutations. */
  origin: string | null;
  host: string | null;
  /** Set for the console's HTTP requests: repeated queries within the minimum refresh interval are answered from it. */
  pollThrottle: PollThrottle | null;
};

/** The context without Next.js: what tests and other callers build with createCaller. */
export function createInnerTRPCContext(opts: Partial<InnerContext> & { principal: Principal | null }): InnerContext {
  return { db: defaultDb, fromAddress: null, userAgent: null, origin: null, host: null, pollThrottle: null, ...opts };
}

export async function createTRPCContext({ headers }: { headers: Headers }): Promise<InnerContext> {
  return createInnerTRPCContext({
    principal: await getCurrentPrincipal(),
    fromAddress: clientAddress(headers),
    userAgent: headers.get("user-agent"),
    origin: headers.get("origin"),
    host: headers.get("x-forwarded-host") ?? headers.get("host"),
    pollThrottle: consolePollThrottle,
  });
}

/* INIT */

const t = initTRPC.context<InnerContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: { ...shape.data, zodError: error.cause instanceof ZodError ? flattenByPath(error.cause) : null },
    };
  },
});

/** z.flattenError's shape with nested fields keyed by their dotted path ("changes.port"), so that a form can show each message under its field. */
function flattenByPath(error: ZodError) {
  const fieldErrors: Record<string, string[]> = {};
  for (const issue of error.issues) if (issue.path.length) (fieldErrors[issue.path.map(String).join(".")] ??= []).push(issue.message);
  return { formErrors: z.flattenError(error).formErrors, fieldErrors };
}

export const createCallerFactory = t.createCallerFactory;
export const createTRPCRouter = t.router;

/* PROCEDURES */

const appErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof AppError) {
    throw new TRPCError({ code: result.error.cause.code, message: result.error.cause.message, cause: result.error.cause });
  }
  return result;
});

/** Mutations must come from the console's own origin (browsers always send Origin on POST). */
const sameOriginMutations = t.middleware(({ ctx, type, next }) => {
  if (type === "mutation" && ctx.origin && ctx.host) {
    let originHost: string | null = null;
    try {
      originHost = new URL(ctx.origin).host;
    } catch {
      originHost = null;
    }
    if (originHost !== ctx.host) throw new TRPCError({ code: "FORBIDDEN", message: "Cross-site request refused" });
  }
  return next();
});

const authenticated = t.middleware(({ ctx, next }) => {
  if (!ctx.principal) throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  const actor: Actor = {
    userId: ctx.principal.id,
    login: ctx.principal.login,
    fromAddress: ctx.fromAddress,
    userAgent: ctx.userAgent,
  };
  return next({ ctx: { ...ctx, principal: ctx.principal, actor } });
});

/** Server side of the console's minimum refresh interval (see PollThrottle). */
const throttled = t.middleware(async ({ ctx, type, path, getRawInput, next }) => {
  const throttle = ctx.pollThrottle;
  const userId = ctx.principal?.id;
  if (!throttle || userId === undefined) return next();
  if (type !== "query") {
    const result = await next();
    throttle.forget(userId);
    return result;
  }
  const key = `${path}\u0000${JSON.stringify(await getRawInput())}`;
  const minMs = await getMinRefreshMs(ctx.db);
  const result = await throttle.run(userId, key, minMs, async () => {
    const r = await next();
    if (!r.ok) throw r.error;
    return r;
  });
  return result;
});

/** Anyone, signed in or not. */
export const publicProcedure = t.procedure.use(appErrors).use(sameOriginMutations);

/** A signed-in user whose account is neither locked nor expired; `ctx.actor` is set for audit. */
export const authenticatedProcedure = publicProcedure.use(authenticated);

/** A signed-in user holding `permission` (e.g. "user:create"). */
export function permissionProcedure(permission: Permission) {
  return authenticatedProcedure.use(({ ctx, next }) => {
    if (!hasPermission(ctx.principal.permissions, permission)) {
      throw new TRPCError({ code: "FORBIDDEN", message: `Permission ${permission} is required` });
    }
    return next();
  }).use(throttled);
}
