import { EventEmitter } from "node:events";

/**
 * In-process wake-ups: an enqueue that went through this process wakes this process's pollers at
 * once. Other processes learn about it through the database's wake-up (dialect.ts: NOTIFY on PostgreSQL,
 * a watched directory on SQLite), else at their next poll.
 */
export const runEvents = new EventEmitter<{ enqueued: [queueId: number] }>();
runEvents.setMaxListeners(1000);

export const ENQUEUE_CHANNEL = "jobwarden_enqueue";
