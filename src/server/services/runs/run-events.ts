import { EventEmitter } from "node:events";

/**
 * In-process wake-ups: an enqueue that went through this process wakes this process's pollers at
 * once. Other processes learn about it through PostgreSQL NOTIFY or their polling interval.
 */
export const runEvents = new EventEmitter<{ enqueued: [queueId: number] }>();
runEvents.setMaxListeners(1000);

export const PG_ENQUEUE_CHANNEL = "jobwarden_enqueue";
