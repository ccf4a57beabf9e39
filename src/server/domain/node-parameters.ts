/**
 * Node parameters as the editor and the services see them: validation, and when each change takes
 * effect. Client-safe (imports nothing but the domain): the console form uses the same schema and hints.
 */
import { z } from "zod";
import { normalizeHostName } from "./host-names";
import { AUTH_MODES } from "./node-config";

const port = z.number().int().min(0, "A port is 0 to 65535").max(65535, "A port is 0 to 65535");
const path = z.string().trim().min(1, "A path is required").max(1000);

export const ZNodeNameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, "Node name: 1 to 64 letters, digits, dots, dashes or underscores");

/** A bind address: loopback, all interfaces, or one address of the machine (checked against the node's report). */
export const ZBindHostSchema = z
  .string()
  .trim()
  .pipe(z.union([z.ipv4(), z.ipv6()], { error: "The interface must be an IP address: 127.0.0.1, ::1, 0.0.0.0, :: or one of the node's addresses" }));

/**
 * Further names and addresses the node APIs accept in Host (comma-separated, no port), stored in
 * canonical form: lower case, IPv6 in brackets. Empty: only the node's own names.
 */
export const ZAllowedHostsSchema = z
  .string()
  .max(2000, "allowedHosts: at most 2000 characters")
  .transform((value, ctx) => {
    if (value.trim() === "") return "";
    const names = value.split(",").map((entry) => ({ entry: entry.trim(), name: normalizeHostName(entry) }));
    const bad = names.find((n) => n.name === null);
    if (bad) {
      ctx.addIssue({
        code: "custom",
        message: `allowedHosts: "${bad.entry.slice(0, 100)}" is not a host name or IP address (comma-separated names, without scheme, port or path)`,
      });
      return z.NEVER;
    }
    return [...new Set(names.map((n) => n.name!))].join(", ");
  });

/** The OS account payloads run as: a POSIX user name, or null (empty) for the node's own account. */
export const ZPayloadUserSchema = z
  .string()
  .trim()
  .nullable()
  .transform((v) => (v ? v : null))
  .pipe(
    z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "payloadUser: a POSIX user name (a lower-case letter or _, then up to 31 lower-case letters, digits, _ or -), or empty for none")
      .nullable(),
  );

/** This node's dead threshold in seconds, or null (empty) for the global parameter. Same range as the global one. */
export const ZDeadAfterSecondsSchema = z
  .number()
  .int("deadAfterSeconds: a whole number of seconds")
  .min(1, "deadAfterSeconds: 1 to 86,400 seconds, or empty for the global nodeDeadAfterSeconds")
  .max(86_400, "deadAfterSeconds: 1 to 86,400 seconds, or empty for the global nodeDeadAfterSeconds")
  .nullable();

export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;

export const ZUpdateNodeSchema = z
  .object({
    name: ZNodeNameSchema,
    host: ZBindHostSchema,
    port,
    jobsDir: path,
    deliverablesDir: path,
    tmpDir: path,
    logDir: path,
    logLevel: z.enum([...LOG_LEVELS, "WARNING"]),
    enabled: z.boolean(),
    stopRequested: z.boolean(),
    loadApiClient: z.boolean(),
    mgmtRemotePort: port.nullable(),
    tlsEnabled: z.boolean(),
    tlsCertPath: path.nullable(),
    tlsKeyPath: path.nullable(),
    tlsCaPath: path.nullable(),
    authSimple: z.enum(AUTH_MODES),
    authClient: z.enum(AUTH_MODES),
    authMgmt: z.enum(AUTH_MODES),
    anonymousConfirmed: z.boolean(),
    allowedHosts: ZAllowedHostsSchema,
    payloadUser: ZPayloadUserSchema,
    deadAfterSeconds: ZDeadAfterSecondsSchema,
  })
  .partial();
export type TUpdateNode = z.infer<typeof ZUpdateNodeSchema>;
export type NodeParameter = keyof TUpdateNode;

/**
 * When a change takes effect. A running node re-reads its row at every heartbeat: listeners are
 * reopened, the log level and directories apply to what happens next. Its name and its engine log
 * directory are only read when it starts.
 */
export const PARAMETER_EFFECT: Record<NodeParameter, "live" | "restart"> = {
  name: "restart",
  host: "live",
  port: "live",
  jobsDir: "live",
  deliverablesDir: "live",
  tmpDir: "live",
  logDir: "restart",
  logLevel: "live",
  enabled: "live",
  stopRequested: "live",
  loadApiClient: "live",
  mgmtRemotePort: "live",
  tlsEnabled: "live",
  tlsCertPath: "live",
  tlsKeyPath: "live",
  tlsCaPath: "live",
  authSimple: "live",
  authClient: "live",
  authMgmt: "live",
  anonymousConfirmed: "live",
  allowedHosts: "live",
  payloadUser: "live",
  deadAfterSeconds: "live",
};
