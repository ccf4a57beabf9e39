import { join } from "node:path";

/** Where a node writes a run's output: JQM's 10-digit log file names. */
export function runLogFiles(logDir: string, id: number) {
  const base = join(logDir, String(id).padStart(10, "0"));
  return { stdout: `${base}.stdout.log`, stderr: `${base}.stderr.log` };
}

/** A file name from a job is untrusted: keep printable characters, never a path. */
export function safeFileName(name: string, fallback: string) {
  const cleaned = name
    .replace(/[\u0000-\u001f\u007f/\\]/g, "_")
    .replace(/^\.+/, "")
    .slice(0, 150)
    .trim();
  return cleaned || fallback;
}
