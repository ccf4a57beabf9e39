import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { env } from "~/env";
import { rootPasswordFile } from "~/server/services/setup/root-password-file";
import { sessionSecretFile } from "~/server/auth/session-secret";
import type { MeasuredPaths, PathMode } from "~/server/domain/node-config";

export async function pathMode(path: string): Promise<PathMode> {
  try {
    const s = await stat(path);
    return { path, mode: (s.mode & 0o7777).toString(8).padStart(4, "0"), uid: s.uid, gid: s.gid, kind: s.isDirectory() ? "dir" : s.isFile() ? "file" : "other" };
  } catch {
    return { path, missing: true };
  }
}

/** .env files Next.js and tools load from the working directory: they usually hold DATABASE_URL. */
const ENV_FILES = [".env", ".env.local", ".env.production", ".env.production.local"];

/** The most exposed existing .env file, or undefined when there is none. */
async function envFile(): Promise<PathMode | undefined> {
  const found = (await Promise.all(ENV_FILES.map((f) => pathMode(resolve(/*turbopackIgnore: true*/ f))))).filter((p): p is Extract<PathMode, { mode: string }> => !("missing" in p));
  return found.sort((a, b) => (parseInt(b.mode, 8) & 0o077) - (parseInt(a.mode, 8) & 0o077))[0];
}

/**
 * Permission bits of what the security chapter calls the attack surface, as seen from this
 * machine: the install root, credentials files, the database file and, for a node, its directories.
 */
export async function measurePaths(node?: { jobsDir: string; deliverablesDir: string; tmpDir: string; logDir: string; tlsKeyPath: string | null }): Promise<MeasuredPaths> {
  const entries: [keyof MeasuredPaths, string][] = [
    ["root", env.JOBWARDEN_HOME],
    ["sessionSecret", sessionSecretFile()],
    ["rootPassword", rootPasswordFile()],
  ];
  if (env.DATABASE_URL.startsWith("file:")) entries.push(["database", env.DATABASE_URL.slice("file:".length)]);
  if (node) {
    entries.push(["jobs", node.jobsDir], ["deliverables", node.deliverablesDir], ["tmp", node.tmpDir], ["logs", node.logDir]);
    if (node.tlsKeyPath) entries.push(["tlsKey", node.tlsKeyPath]);
  }
  const measured: MeasuredPaths = Object.fromEntries(await Promise.all(entries.map(async ([k, p]) => [k, await pathMode(p)] as const)));
  // Optional credentials files that do not exist are not findings.
  for (const key of ["sessionSecret", "rootPassword"] as const) if (measured[key] && "missing" in measured[key]) delete measured[key];
  const dotenv = await envFile();
  if (dotenv) measured.envFile = dotenv;
  return measured;
}

