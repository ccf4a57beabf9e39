import { stat } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import { env } from "~/env";

export type PathMode = { path: string; mode: string; uid: number; gid: number; kind: "dir" | "file" | "other" } | { path: string; missing: true };

async function pathMode(path: string): Promise<PathMode> {
  try {
    const s = await stat(path);
    return { path, mode: (s.mode & 0o7777).toString(8).padStart(4, "0"), uid: s.uid, gid: s.gid, kind: s.isDirectory() ? "dir" : s.isFile() ? "file" : "other" };
  } catch {
    return { path, missing: true };
  }
}

/** The node's network interfaces, as the console's binding editor offers them. */
export function measureInterfaces() {
  return Object.entries(networkInterfaces()).flatMap(([name, addrs]) =>
    (addrs ?? []).map((a) => ({ name, address: a.address, family: a.family, internal: a.internal })),
  );
}

/** Permission bits of what the security chapter calls the attack surface, as this node sees them. */
export async function measurePaths(node: { jobsDir: string; deliverablesDir: string; tmpDir: string; logDir: string }) {
  const entries: [string, string][] = [
    ["root", env.JOBWARDEN_HOME],
    ["jobs", node.jobsDir],
    ["deliverables", node.deliverablesDir],
    ["tmp", node.tmpDir],
    ["logs", node.logDir],
  ];
  if (env.DATABASE_URL.startsWith("file:")) entries.push(["database", env.DATABASE_URL.slice("file:".length)]);
  return Object.fromEntries(await Promise.all(entries.map(async ([k, p]) => [k, await pathMode(p)] as const)));
}
