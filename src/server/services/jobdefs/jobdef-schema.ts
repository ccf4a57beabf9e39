import { z } from "zod";
import type { Prisma } from "~/generated/sqlite/client";
import {
  type PayloadTypeName,
  ZJobScheduleSchema as ZJobScheduleFieldsSchema,
  ZUpdateJobScheduleSchema as ZUpdateJobScheduleFieldsSchema,
} from "~/server/domain/jobdef-schemas";
import { cronError, createCron } from "./cron";

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

export const jobDefDetailSelect = {
  id: true,
  applicationName: true,
  description: true,
  payloadType: true,
  path: true,
  parameters: true,
  enabled: true,
  highlander: true,
  canBeRestarted: true,
  priority: true,
  alertAfterSeconds: true,
  application: true,
  module: true,
  keyword1: true,
  keyword2: true,
  keyword3: true,
  createdAt: true,
  updatedAt: true,
  queue: { select: { name: true } },
  schedules: {
    orderBy: { id: "asc" },
    select: {
      id: true,
      cronExpression: true,
      priority: true,
      parameters: true,
      enabled: true,
      lastFiredAt: true,
      queue: { select: { name: true } },
    },
  },
} as const satisfies Prisma.JobDefSelect;

type JobDefDetailRow = Prisma.JobDefGetPayload<{ select: typeof jobDefDetailSelect }>;
type JobScheduleRow = JobDefDetailRow["schedules"][number];

/** A Json column holding { key: value } as a plain string map. */
export function toStringMap(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object" || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function nextRunOf(expression: string): Date | null {
  try {
    return createCron(expression).nextRun() ?? null;
  } catch {
    return null;
  }
}

export function toJobScheduleDetail(s: JobScheduleRow) {
  return {
    id: s.id,
    cronExpression: s.cronExpression,
    queueName: s.queue?.name ?? null,
    priority: s.priority,
    parameters: toStringMap(s.parameters),
    enabled: s.enabled,
    lastFiredAt: s.lastFiredAt,
    nextRunAt: nextRunOf(s.cronExpression),
  };
}

export type JobScheduleDetail = ReturnType<typeof toJobScheduleDetail>;

/** A job definition with every field, its queue's name and its schedules (console, audit, XML). */
export function toJobDefDetail(jd: JobDefDetailRow) {
  return {
    id: jd.id,
    applicationName: jd.applicationName,
    description: jd.description,
    queueName: jd.queue.name,
    payloadType: jd.payloadType as PayloadTypeName,
    path: jd.path,
    parameters: toStringMap(jd.parameters),
    enabled: jd.enabled,
    highlander: jd.highlander,
    canBeRestarted: jd.canBeRestarted,
    priority: jd.priority,
    alertAfterSeconds: jd.alertAfterSeconds,
    application: jd.application,
    module: jd.module,
    keyword1: jd.keyword1,
    keyword2: jd.keyword2,
    keyword3: jd.keyword3,
    createdAt: jd.createdAt,
    updatedAt: jd.updatedAt,
    schedules: jd.schedules.map(toJobScheduleDetail),
  };
}

export type JobDefDetail = ReturnType<typeof toJobDefDetail>;

/** The audited view of a definition: its fields without timestamps or computed values. */
export function auditView(jd: JobDefDetail) {
  return { ...omit(jd, "createdAt", "updatedAt", "schedules"), schedules: jd.schedules.map(auditScheduleView) };
}

export function auditScheduleView(s: JobScheduleDetail) {
  return omit(s, "nextRunAt", "lastFiredAt");
}

function omit<T extends object, K extends keyof T>(value: T, ...keys: K[]): Omit<T, K> {
  const copy = { ...value };
  for (const k of keys) delete copy[k];
  return copy;
}
