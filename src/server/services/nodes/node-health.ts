/** How often a node writes its heartbeat (Node.lastSeenAlive, NodeReport). */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export type NodeHealth = "alive" | "late" | "dead" | "never started";

/** alive: heartbeat within 3 intervals; late: within 12; dead: older; never started: no heartbeat yet. */
export function nodeHealth(lastSeenAlive: Date | null, now = new Date()): NodeHealth {
  if (!lastSeenAlive) return "never started";
  const age = now.getTime() - lastSeenAlive.getTime();
  if (age <= 3 * HEARTBEAT_INTERVAL_MS) return "alive";
  if (age <= 12 * HEARTBEAT_INTERVAL_MS) return "late";
  return "dead";
}
