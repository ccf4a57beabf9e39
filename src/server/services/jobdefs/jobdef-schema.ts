import { z } from "zod";
import {
  ZJobScheduleSchema as ZJobScheduleFieldsSchema,
  ZUpdateJobScheduleSchema as ZUpdateJobScheduleFieldsSchema,
} from "~/server/domain/jobdef-schemas";
import { cronError } from "./cron";

export {
  PARAMETERS_MAX,
  PARAMETER_KEY_MAX,
  PARAMETER_VALUE_MAX,
  PAYLOAD_TYPES,
  type PayloadTypeName,
  TAG_MAX,
  type JobDefData,
  type TJobDef,
  type TUpdateJobDef,
  ZJobDefNameSchema,
  ZJobDefSchema,
  ZParametersSchema,
  ZPrioritySchema,
  ZQueueNameSchema,
  ZUpdateJobDefSchema,
} from "~/server/domain/jobdef-schemas";

export const ZCronExpressionSchema = z
  .string()
  .trim()
  .max(200)
  .superRefine((expr, ctx) => {
    const error = cronError(expr);
    if (error) ctx.addIssue({ code: "custom", message: `Invalid cron expression: ${error}` });
  });

/** A cron schedule (JQM JOB_SCHEDULE): null queue and priority mean the definition's. */
export const ZJobScheduleSchema = ZJobScheduleFieldsSchema.extend({ cronExpression: ZCronExpressionSchema });
export type TJobSchedule = z.input<typeof ZJobScheduleSchema>;
export type JobScheduleData = z.output<typeof ZJobScheduleSchema>;

export const ZUpdateJobScheduleSchema = ZUpdateJobScheduleFieldsSchema.extend({ cronExpression: ZCronExpressionSchema.optional() });
export type TUpdateJobSchedule = z.input<typeof ZUpdateJobScheduleSchema>;
