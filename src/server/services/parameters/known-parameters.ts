import {
  DEAD_AFTER_PARAMETER,
  DEAD_FLOOR_HEARTBEATS,
  DEFAULT_DEAD_AFTER_SECONDS,
  DEFAULT_MIN_REFRESH_MS,
  MIN_REFRESH_PARAMETER,
  RETENTION_PARAMETER,
} from "~/server/domain/parameters";

/** A global parameter Jobwarden itself reads, with what it does and what values it accepts. */
export type KnownParameter = {
  key: string;
  description: string;
  /** Shown when the parameter is unset; null when unset means "off". */
  defaultValue: string | null;
  /** When a change takes effect. */
  appliesWhen: string;
  /** The accepted values, in words. */
  accepts: string;
  /** Null when `value` is acceptable, else why not. */
  validate: (value: string) => string | null;
};

function integerBetween(min: number, max: number, unit: string) {
  return (value: string) => {
    const n = Number(value.trim());
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) return `must be a whole number of ${unit}`;
    if (n < min || n > max) return `must be between ${min.toLocaleString("en")} and ${max.toLocaleString("en")} ${unit}`;
    return null;
  };
}

/** The registry; keep in step with the code that reads each key. */
export const KNOWN_PARAMETERS: readonly KnownParameter[] = [
  {
    key: RETENTION_PARAMETER,
    description:
      "Days to keep ended runs: older History rows and their messages, deliverable files and run logs are purged. Unset means keep everything.",
    defaultValue: null,
    appliesWhen: "at the next hourly retention pass of each node",
    accepts: "a whole number of days, 1 to 36,500",
    validate: integerBetween(1, 36_500, "days"),
  },
  {
    key: MIN_REFRESH_PARAMETER,
    description: "Shortest auto-refresh interval the console accepts, in ms",
    defaultValue: String(DEFAULT_MIN_REFRESH_MS),
    appliesWhen: "within 10 seconds (each console server caches it)",
    accepts: "a whole number of ms, 500 to 600,000",
    validate: integerBetween(500, 600_000, "ms"),
  },
  {
    key: DEAD_AFTER_PARAMETER,
    description:
      `How long a node may stay silent (no heartbeat, judged on the database's clock) before another node declares it dead: its running runs end CRASHED and the runs it had claimed but not started go back to their queue. Never less than ${DEAD_FLOOR_HEARTBEATS} of the node's heartbeat intervals. A node wrongly declared dead (a long pause) kills its payloads when it comes back and rejoins; keep this well above your longest expected pause. A node's own deadAfterSeconds (node editor) overrides it for that node.`,
    defaultValue: String(DEFAULT_DEAD_AFTER_SECONDS),
    appliesWhen: "at the next heartbeat of each node",
    accepts: "a whole number of seconds, 1 to 86,400",
    validate: integerBetween(1, 86_400, "seconds"),
  },
];

export function knownParameter(key: string): KnownParameter | undefined {
  return KNOWN_PARAMETERS.find((p) => p.key === key);
}
