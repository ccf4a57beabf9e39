import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { ENGINE_LOG_NAME } from "~/server/domain/node-files";

/** The last `lines` lines of a node's current engine log, read from `logDir` on this machine. */
export async function tailEngineLog(logDir: string, lines: number): Promise<string> {
  const files = (await readdir(logDir).catch(() => [] as string[]))
    .map((f) => ({ f, n: Number(new RegExp(`^${ENGINE_LOG_NAME}\\.(\\d+)\\.log$`).exec(f)?.[1] ?? NaN) }))
    .filter((x) => Number.isFinite(x.n))
    .sort((a, b) => b.n - a.n);
  if (!files[0]) return "";
  const handle = await open(join(logDir, files[0].f), "r");
  try {
    const { size } = await handle.stat();
    const window = Math.min(size, 4 * 1024 * 1024);
    const buf = Buffer.alloc(window);
    await handle.read(buf, 0, window, size - window);
    const all = buf.toString("utf8").split("\n");
    if (all.at(-1) === "") all.pop();
    return all.slice(-lines).join("\n") + "\n";
  } finally {
    await handle.close();
  }
}
