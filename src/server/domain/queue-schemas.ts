/** Queues and their mappings to nodes (JQM QUEUE, DEPLOYMENTPARAMETER), as the console form and the services check them. */
import { z } from "zod";

export const ZQueueNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,49}$/, "Queue name: 1 to 50 letters, digits, dots, dashes or underscores");
export const ZQueueDescriptionSchema = z.string().trim().max(1000, "Description: at most 1000 characters");

export const ZCreateQueueSchema = z.object({
  name: ZQueueNameSchema,
  description: ZQueueDescriptionSchema.default(""),
  isDefault: z.boolean().default(false),
});
export type TCreateQueue = z.input<typeof ZCreateQueueSchema>;

export const ZUpdateQueueSchema = z.object({
  name: ZQueueNameSchema.optional(),
  description: ZQueueDescriptionSchema.optional(),
  isDefault: z.boolean().optional(),
});
export type TUpdateQueue = z.input<typeof ZUpdateQueueSchema>;

/** JQM advises never to poll more often than every 1000 ms; the console warns below that. */
export const RECOMMENDED_MIN_POLLING_MS = 1000;

export const ZMaxThreadsSchema = z
  .number({ error: "Threads: a whole number from 1 to 1000" })
  .int("Threads: a whole number from 1 to 1000")
  .min(1, "Threads: at least 1")
  .max(1000, "Threads: at most 1000");
export const ZPollingIntervalSchema = z
  .number({ error: "Polling interval: a whole number of milliseconds" })
  .int("Polling interval: a whole number of milliseconds")
  .min(100, "Polling interval: at least 100 ms")
  .max(3_600_000, "Polling interval: at most 3,600,000 ms (one hour)");

export const ZCreateMappingSchema = z.object({
  nodeId: z.number({ error: "Choose a node" }).int().positive("Choose a node"),
  queueId: z.number().int().positive(),
  maxThreads: ZMaxThreadsSchema.default(5),
  pollingIntervalMs: ZPollingIntervalSchema.default(1000),
  enabled: z.boolean().default(true),
});
export type TCreateMapping = z.input<typeof ZCreateMappingSchema>;

export const ZUpdateMappingSchema = z.object({
  maxThreads: ZMaxThreadsSchema.optional(),
  pollingIntervalMs: ZPollingIntervalSchema.optional(),
  enabled: z.boolean().optional(),
});
export type TUpdateMapping = z.input<typeof ZUpdateMappingSchema>;
