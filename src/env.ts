import { resolve } from "node:path";
import { createEnv } from "@t3-oss/env-core";
import { z } from "zod";
import { isAddressOrRange } from "./server/auth/client-address";

/** The only module that reads process.env: every setting of the console, the nodes and the CLI. */
const raw = createEnv({
  server: {
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    /** Where the embedded database, secrets, node directories and logs go. */
    JOBWARDEN_HOME: z.string().default("./data"),
    /** file:… (SQLite, the embedded default) or postgresql://… (multi-node mode). */
    DATABASE_URL: z
      .string()
      .regex(/^(file:|postgres(ql)?:\/\/)/, "DATABASE_URL must start with file: or postgresql://")
      .optional(),
    CONSOLE_HOST: z.string().default("127.0.0.1"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    /** Session signing secret; when unset, one is generated into JOBWARDEN_HOME/session-secret (0600). */
    NEXTAUTH_SECRET: z.string().min(32, "NEXTAUTH_SECRET must be at least 32 characters").optional(),
    NEXTAUTH_URL: z.url().optional(),
    /** Idle timeout: a session not used for this long ends. */
    SESSION_MAX_AGE_SECONDS: z.coerce.number().int().min(60).default(8 * 3600),
    /** Absolute lifetime: a session ends this long after sign-in, however often it is used. */
    SESSION_ABSOLUTE_MAX_AGE_SECONDS: z.coerce.number().int().min(60).default(12 * 3600),
    /**
     * Reverse proxies in front of the console (comma-separated addresses or CIDR ranges): only from
     * these is X-Forwarded-For believed. Empty: the caller's address is the socket's peer.
     */
    TRUSTED_PROXIES: z
      .string()
      .default("")
      .refine(
        (v) => v.split(",").map((e) => e.trim()).filter(Boolean).every(isAddressOrRange),
        "TRUSTED_PROXIES: comma-separated IP addresses or CIDR ranges, e.g. 127.0.0.1,10.0.0.0/8",
      ),
    /** Failed logins from one address, whatever the login, before that address's attempts are delayed (spraying). */
    LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
    /** Failed logins of one login from one address before its attempts are delayed (1 s, 2 s, 4 s…). */
    LOGIN_FREE_FAILURES: z.coerce.number().int().min(1).default(3),
    /** The longest delay between attempts, however many failures. */
    LOGIN_MAX_DELAY_SECONDS: z.coerce.number().int().min(1).default(5 * 60),
    /** Failures are forgotten this long after the last one. */
    LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(15 * 60),
    /** How often nodes heartbeat; a node silent for 6 intervals is dead and its runs are crashed. */
    NODE_HEARTBEAT_MS: z.coerce.number().int().min(100).default(5_000),
    /** How long a stopping node lets running jobs finish before killing them. */
    NODE_STOP_GRACE_MS: z.coerce.number().int().min(0).default(30_000),
    /** Between SIGTERM and SIGKILL (processes) or abort and terminate (node payloads). */
    NODE_KILL_GRACE_MS: z.coerce.number().int().min(0).default(5_000),
    LOG_LEVEL: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).default("info"),
    /** Defaults of `jobwarden enqueue` / `status`: the node URL and credentials (keep secrets out of argv). */
    JOBWARDEN_URL: z.url().default("http://127.0.0.1:1789"),
    JOBWARDEN_USER: z.string().optional(),
    JOBWARDEN_PASSWORD: z.string().optional(),
    JOBWARDEN_TOKEN: z.string().optional(),
    /** A PostgreSQL server (role with CREATEDB) for the test suite's PostgreSQL pass. */
    TEST_PG_URL: z.string().optional(),
    /** Which database the vitest pass runs on. */
    TEST_DB: z.enum(["sqlite", "postgresql"]).default("sqlite"),
  },
  runtimeEnv: process.env,
  emptyStringAsUndefined: true,
});

const home = resolve(raw.JOBWARDEN_HOME);

function absoluteSqliteUrl(url: string): string {
  if (!url.startsWith("file:")) return url;
  const path = url.slice("file:".length);
  return path === ":memory:" ? url : `file:${resolve(path)}`;
}

export const env = {
  ...raw,
  JOBWARDEN_HOME: home,
  DATABASE_URL: absoluteSqliteUrl(raw.DATABASE_URL ?? `file:${home}/jobwarden.db`),
};

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** The environment for a child process (Prisma CLI, the console, node processes), with overrides. */
export function childProcessEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...overrides };
}

/** What a job payload inherits from its node's environment: never the node's own secrets. */
export function payloadBaseEnv(): Record<string, string> {
  const keys = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL"];
  return Object.fromEntries(keys.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])));
}
