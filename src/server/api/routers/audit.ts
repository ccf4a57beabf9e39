import { z } from "zod";
import { createTRPCRouter, permissionProcedure } from "~/server/api/trpc";
import { findAuditEvents } from "~/server/services/audit/find-audit-events";

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : undefined));

export const ZFindAuditEventsRequestSchema = z
  .object({
    login: optionalText(64),
    objectType: optionalText(64),
    objectId: optionalText(200),
    action: optionalText(100),
    from: z.date().optional(),
    to: z.date().optional(),
    cursor: z.number().int().positive().optional(),
    limit: z.number().int().min(1).max(200).default(50),
  })
  .refine((i) => !(i.from && i.to) || i.from.getTime() <= i.to.getTime(), { message: "from must not be after to", path: ["to"] });

export const auditRouter = createTRPCRouter({
  find: permissionProcedure("audit:read")
    .input(ZFindAuditEventsRequestSchema)
    .query(({ ctx, input }) => findAuditEvents(ctx.db, input)),
});
