import { z } from "zod";
import { MIN_PASSWORD_LENGTH } from "~/server/auth/password";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import { createUser } from "~/server/services/users/create-user";
import { findUsers } from "~/server/services/users/find-users";
import { resetUserPassword } from "~/server/services/users/reset-user-password";
import { updateUser } from "~/server/services/users/update-user";
import { ZLoginSchema } from "~/server/services/users/user-select";

const ZPasswordSchema = z.string().min(MIN_PASSWORD_LENGTH, `At least ${MIN_PASSWORD_LENGTH} characters`).max(200);
const ZRoleNamesSchema = z.array(z.string().min(1)).max(20);

export const ZFindUsersRequestSchema = z.object({
  query: z.string().trim().max(64).optional(),
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export const ZCreateUserRequestSchema = z.object({
  login: ZLoginSchema,
  password: ZPasswordSchema.optional(),
  email: z.email().nullish(),
  roles: ZRoleNamesSchema,
  expiresAt: z.date().nullish(),
});

export const ZUpdateUserRequestSchema = z.object({
  id: z.number().int().positive(),
  locked: z.boolean().optional(),
  email: z.email().nullish(),
  freeText: z.string().max(500).nullish(),
  expiresAt: z.date().nullish(),
  roles: ZRoleNamesSchema.optional(),
});

export const ZResetUserPasswordRequestSchema = z.object({ login: ZLoginSchema, password: ZPasswordSchema.optional() });

export const userRouter = createTRPCRouter({
  find: permissionProcedure("user:read")
    .input(ZFindUsersRequestSchema)
    .query(({ ctx, input }) => findUsers(ctx.db, input)),

  create: permissionProcedure("user:create")
    .input(ZCreateUserRequestSchema)
    .mutation(({ ctx, input }) => createUser(ctx.db, { actor: ctx.actor, ...input })),

  update: permissionProcedure("user:update")
    .input(ZUpdateUserRequestSchema)
    .mutation(({ ctx, input }) => updateUser(ctx.db, { actor: ctx.actor, ...input })),

  resetPassword: permissionProcedure("user:update")
    .input(ZResetUserPasswordRequestSchema)
    .mutation(({ ctx, input }) => resetUserPassword(ctx.db, { actor: ctx.actor, ...input })),
});
