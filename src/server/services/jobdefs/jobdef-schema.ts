import { z } from "zod";
import type { Prisma } from "~/generated/sqlite/client";
import { cronError, createCron } from "./cron";

export const PAYLOAD_TYPES = ["shell", "exec", "node"] as const;
export type PayloadTypeName = (typeof PAYLOAD_TYPES)[number];

/** JQM limits (JOB_DEFINITION_PARAMETER: KEYNAME ≤ 50, VALUE ≤ 1000; tags VARCHAR 50). */
export const PARAMETER_KEY_MAX = 50;
export const PARAMETER_VALUE_MAX = 1000;
export const TAG_MAX = 50;
export const PARAMETERS_MAX = 100;

// XML 1.0 cannot carry these, and nobody types them on purpose.
const NO_CONTROL = /^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$/;
const text = (max: number) => z.string().max(max, `At most ${max} characters`).regex(NO_CONTROL, "Control characters are not allowed");
const oneLine = (max: number) => z.string().trim().max(max, `At most ${max} characters`).regex(/^[^\x00-\x1f\x7f]*$/, "Must be one line of text");

/** A tag (application, module, keyword1..3): empty means none. */
const ZTagSchema = oneLine(TAG_MAX)
  .nullish()
  .transform((v) => (v ? v : null));

export const ZJobDefNameSchema = oneLine(100).min(1, "A name is required");
export const ZQueueNameSchema = oneLine(100).min(1, "A queue is required");

export const ZParametersSchema = z
  .record(
    oneLine(PARAMETER_KEY_MAX).min(1, "A parameter needs a key"),
    text(PARAMETER_VALUE_MAX),
  )
  .refine((p) => Object.keys(p).length <= PARAMETERS_MAX, `At most ${PARAMETERS_MAX} parameters`);

export const ZPrioritySchema = z.number().int().min(-1000).max(1000);

export const ZCronExpressionSchema = z
  .string()
  .trim()
  .max(200)
  .superRefine((expr, ctx) => {
    const error = cronError(expr);
    if (error) ctx.addIssue({ code: "custom", message: `Invalid cron expression: ${error}` });
  });

/** Everything a job definition is made of (JQM JOB_DEFINITION), as the console and the XML import give it. */
export const ZJobDefSchema = z.object({
  applicationName: ZJobDefNameSchema,
  description: text(1000).default(""),
  queueName: ZQueueNameSchema,
  payloadType: z.enum(PAYLOAD_TYPES),
  /** Command line (shell), executable path (exec) or module path (node). */
  path: text(1000).trim().min(1, "A command or path is required"),
  parameters: ZParametersSchema.default({}),
  enabled: z.boolean().default(true),
  highlander: z.boolean().default(false),
  canBeRestarted: z.boolean().default(true),
  priority: ZPrioritySchema.default(0),
  alertAfterSeconds: z.number().int().min(1).max(31_536_000).nullish().transform((v) => v ?? null),
  application: ZTagSchema,
  module: ZTagSchema,
  keyword1: ZTagSchema,
  keyword2: ZTagSchema,
  keyword3: ZTagSchema,
});
export type TJobDef = z.input<typeof ZJobDefSchema>;
export type JobDefData = z.output<typeof ZJobDefSchema>;

/** A change: only the fields given are changed. */
export const ZUpdateJobDefSchema = z.object({
  applicationName: ZJobDefNameSchema.optional(),
  description: text(1000).optional(),
  queueName: ZQueueNameSchema.optional(),
  payloadType: z.enum(PAYLOAD_TYPES).optional(),
  path: text(1000).trim().min(1, "A command or path is required").optional(),
  parameters: ZParametersSchema.optional(),
  enabled: z.boolean().optional(),
  highlander: z.boolean().optional(),
  canBeRestarted: z.boolean().optional(),
  priority: ZPrioritySchema.optional(),
  alertAfterSeconds: z.number().int().min(1).max(31_536_000).nullable().optional(),
  application: ZTagSchema.optional(),
  module: ZTagSchema.optional(),
  keyword1: ZTagSchema.optional(),
  keyword2: ZTagSchema.optional(),
  keyword3: ZTagSchema.optional(),
});
export type TUpdateJobDef = z.input<typeof ZUpdateJobDefSchema>;

/** A cron schedule (JQM JOB_SCHEDULE): null queue and priority mean the definition's. */
export const ZJobScheduleSchema = z.object({
  cronExpression: ZCronExpressionSchema,
  queueName: ZQueueNameSchema.nullish().transform((v) => v ?? null),
  priority: ZPrioritySchema.nullish().transform((v) => v ?? null),
  parameters: ZParametersSchema.default({}),
  enabled: z.boolean().default(true),
});
export type TJobSchedule = z.input<typeof ZJobScheduleSchema>;
export type JobScheduleData = z.output<typeof ZJobScheduleSchema>;

export const ZUpdateJobScheduleSchema = z.object({
  cronExpression: ZCronExpressionSchema.optional(),
  queueName: ZQueueNameSchema.nullable().optional(),
  priority: ZPrioritySchema.nullable().optional(),
  parameters: ZParametersSchema.optional(),
  enabled: z.boolean().optional(),
});
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
