import { z } from "zod";
import type { DbOrTx } from "~/server/db";
import { QUEUE_STATUSES, type QueueStatus, findQueueRecords, getQueueRecord } from "./read-model";

/** The JQM client API's queues (/ws/client/q), mapped from the queues read model (read-model.ts). */

/** JQM's Queue JSON. */
export const ZJqmQueueSchema = z.object({ id: z.number().int(), name: z.string(), description: z.string(), defaultQueue: z.boolean() });
export const ZQueueStatusSchema = z.enum(QUEUE_STATUSES);

export async function findQueues(db: DbOrTx): Promise<z.infer<typeof ZJqmQueueSchema>[]> {
  return (await findQueueRecords(db)).map((q) => ({ id: q.id, name: q.name, description: q.description, defaultQueue: q.isDefault }));
}

export async function getQueueStatus(db: DbOrTx, queueId: number): Promise<QueueStatus> {
  return (await getQueueRecord(db, queueId)).status;
}

/** Sum of the threads of the queue's enabled mappings. */
export async function getQueueEnabledCapacity(db: DbOrTx, queueId: number): Promise<number> {
  return (await getQueueRecord(db, queueId)).capacity;
}
