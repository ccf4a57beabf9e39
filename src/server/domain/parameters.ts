/** Keys and defaults of the global parameters the code itself reads (known-parameters.ts describes them). */
export const RETENTION_PARAMETER = "historyRetentionDays";
export const MIN_REFRESH_PARAMETER = "consoleMinRefreshMs";
export const DEFAULT_MIN_REFRESH_MS = 2000;
/** How long a node may stay silent before another node declares it dead (Node.deadAfterSeconds overrides it). */
export const DEAD_AFTER_PARAMETER = "nodeDeadAfterSeconds";
export const DEFAULT_DEAD_AFTER_SECONDS = 120;
/** The safe floor: a node is never judged dead before ten of its own heartbeat intervals. */
export const DEAD_FLOOR_HEARTBEATS = 10;
