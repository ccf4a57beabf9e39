import { env } from "~/env";

export const HEARTBEAT_INTERVAL_MS = env.NODE_HEARTBEAT_MS;
/** A node silent for this long is dead: a live node crashes its runs. */
export const DEAD_AFTER_MS = 6 * HEARTBEAT_INTERVAL_MS;

export type NodeHealth = "alive" | "late" | "dead" | "never started";

/** alive: heartbeat within 2 intervals; late: within 6; dead: older; never started: no heartbeat yet. */
export function nodeHealth(lastSeenAlive: Date | null, now = new Date()): NodeHealth {
  if (!lastSeenAlive) return "never started";
  const age = now.getTime() - lastSeenAlive.getTime();
  if (age <= 2 * HEARTBEAT_INTERVAL_MS) return "alive";
  if (age <= DEAD_AFTER_MS) return "late";
  return "dead";
}
