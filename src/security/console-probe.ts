import { env, isPostgresUrl } from "~/env";
import { getSessionSecret } from "~/server/auth/session-secret";
import { measurePaths } from "./path-probe";
import type { ConsoleSettings } from "./types";

/** The console's settings and the files on its own machine, for the security page. */
export async function probeConsole(): Promise<ConsoleSettings> {
  const host = env.CONSOLE_HOST.includes(":") ? `[${env.CONSOLE_HOST}]` : env.CONSOLE_HOST;
  let database: ConsoleSettings["database"];
  if (isPostgresUrl(env.DATABASE_URL)) {
    const url = new URL(env.DATABASE_URL);
    database = {
      kind: "postgresql",
      host: url.searchParams.get("host") ?? (url.hostname || "localhost"),
      sslmode: url.searchParams.get("sslmode"),
      passwordInUrl: url.password !== "",
    };
  } else {
    database = { kind: "sqlite", file: env.DATABASE_URL.slice("file:".length) };
  }
  return {
    host: env.CONSOLE_HOST,
    port: env.PORT,
    publicUrl: env.NEXTAUTH_URL ?? `http://${host}:${env.PORT}`,
    sessionSecretSource: env.NEXTAUTH_SECRET ? "environment" : "file",
    sessionSecretLength: getSessionSecret().length,
    // However often it is refreshed, a session (and a stolen cookie) ends at its absolute lifetime.
    sessionMaxAgeSeconds: env.SESSION_ABSOLUTE_MAX_AGE_SECONDS,
    database,
    paths: await measurePaths(),
  };
}
