/**
 * What a job definition and its schedules are made of, as the console form, the router and the XML
 * import check them. Client-safe: the cron expression is only checked for length here; the service
 * (services/jobdefs/jobdef-schema.ts) adds croner's check on top.
 */
import { z } from "zod";

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

const PRIORITY_RANGE = "Priority: a whole number from -1000 to 1000";
export const ZPrioritySchema = z.number({ error: PRIORITY_RANGE }).int(PRIORITY_RANGE).min(-1000, PRIORITY_RANGE).max(1000, PRIORITY_RANGE);

const ALERT_RANGE = "Alert after: a whole number of seconds, 1 to 31,536,000 (a year)";
const ZAlertAfterSecondsSchema = z.number({ error: ALERT_RANGE }).int(ALERT_RANGE).min(1, ALERT_RANGE).max(31_536_000, ALERT_RANGE);

const path = text(1000).trim().min(1, "A command or path is required");

/** Everything a job definition is made of (JQM JOB_DEFINITION), as the console and the XML import give it. */
export const ZJobDefSchema = z.object({
  applicationName: ZJobDefNameSchema,
  description: text(1000).default(""),
  queueName: ZQueueNameSchema,
  payloadType: z.enum(PAYLOAD_TYPES),
  /** Command line (shell), executable path (exec) or module path (node). */
  path,
  parameters: ZParametersSchema.default({}),
  enabled: z.boolean().default(true),
  highlander: z.boolean().default(false),
  canBeRestarted: z.boolean().default(true),
  priority: ZPrioritySchema.default(0),
  alertAfterSeconds: ZAlertAfterSecondsSchema.nullish().transform((v) => v ?? null),
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
  path: path.optional(),
  parameters: ZParametersSchema.optional(),
  enabled: z.boolean().optional(),
  highlander: z.boolean().optional(),
  canBeRestarted: z.boolean().optional(),
  priority: ZPrioritySchema.optional(),
  alertAfterSeconds: ZAlertAfterSecondsSchema.nullable().optional(),
  application: ZTagSchema.optional(),
  module: ZTagSchema.optional(),
  keyword1: ZTagSchema.optional(),
  keyword2: ZTagSchema.optional(),
  keyword3: ZTagSchema.optional(),
});
export type TUpdateJobDef = z.input<typeof ZUpdateJobDefSchema>;

/** A cron expression's text; whether it ever occurs is the service's check (croner, in the node's time zone). */
export const ZCronTextSchema = z.string().trim().min(1, "A cron expression is required").max(200, "At most 200 characters");

/** A cron schedule (JQM JOB_SCHEDULE): null queue and priority mean the definition's. */
export const ZJobScheduleSchema = z.object({
  cronExpression: ZCronTextSchema,
  queueName: ZQueueNameSchema.nullish().transform((v) => v ?? null),
  priority: ZPrioritySchema.nullish().transform((v) => v ?? null),
  parameters: ZParametersSchema.default({}),
  enabled: z.boolean().default(true),
});

export const ZUpdateJobScheduleSchema = z.object({
  cronExpression: ZCronTextSchema.optional(),
  queueName: ZQueueNameSchema.nullable().optional(),
  priority: ZPrioritySchema.nullable().optional(),
  parameters: ZParametersSchema.optional(),
  enabled: z.boolean().optional(),
});
