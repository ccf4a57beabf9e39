/** A run request (JQM's enqueue): what the console, the node APIs, the CLI and payloads may ask for. */
import { z } from "zod";

const tag = z.string().max(200).nullish();

export const PARAMETER_NAME_MAX = 200;
export const PARAMETER_VALUE_MAX = 10_000;
/** Names a plain object cannot hold safely (zod and JSON parsers drop or refuse them). */
const RESERVED_PARAMETER_NAMES = new Set(["__proto__", "constructor", "prototype"]);
const CONTROL_IN_NAME = /[\x00-\x1f\x7f]/;
/** Tab and line breaks are text; NUL cannot be a process argument and escapes rewrite terminals. */
const CONTROL_IN_VALUE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

/**
 * A run's parameters: names and values as strings. Checked on the object's own keys, before any
 * parser could drop one: reserved names, control characters and over-long names/values are refused.
 */
export const ZRunParametersSchema = z.custom<Record<string, string>>().superRefine((p, ctx) => {
  const problem = (message: string) => ctx.addIssue({ code: "custom", message });
  if (typeof p !== "object" || p === null || Array.isArray(p)) return problem("parameters must be an object of names and values");
  for (const [name, value] of Object.entries(p as Record<string, unknown>)) {
    const shown = JSON.stringify(name.slice(0, 60));
    if (RESERVED_PARAMETER_NAMES.has(name)) problem(`Parameter name ${name} is reserved`);
    else if (CONTROL_IN_NAME.test(name)) problem(`Parameter name ${shown} contains a control character`);
    else if (name.length > PARAMETER_NAME_MAX) problem(`Parameter name ${shown}…: at most ${PARAMETER_NAME_MAX} characters`);
    else if (typeof value !== "string") problem(`Parameter ${name}: the value must be a string`);
    else if (value.length > PARAMETER_VALUE_MAX) problem(`Parameter ${name}: at most ${PARAMETER_VALUE_MAX} characters`);
    else if (CONTROL_IN_VALUE.test(value)) problem(`Parameter ${name}: control characters are not allowed in a value (tabs and line breaks are)`);
  }
});

export const ZEnqueueRunSchema = z.object({
  applicationName: z.string().trim().min(1, "applicationname is required").max(200),
  parameters: ZRunParametersSchema.default({}),
  user: tag,
  sessionId: tag,
  email: tag,
  module: tag,
  keyword1: tag,
  keyword2: tag,
  keyword3: tag,
  parentId: z.number().int().positive().nullish(),
  queueName: z.string().max(200).nullish(),
  priority: z.number().int().min(-1000).max(1000).nullish(),
  runAfter: z.date().nullish(),
  scheduleId: z.number().int().positive().nullish(),
  /** Create the run paused (HOLDED), as JQM's startState. */
  held: z.boolean().optional(),
});
export type TEnqueueRun = z.input<typeof ZEnqueueRunSchema>;
