import { join } from "node:path";
import { contentType } from "mime-types";

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

/** Types a browser would run or render as a page: a deliverable never gets them. */
const ACTIVE_CONTENT = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript|application\/pdf)\b/;

/**
 * The Content-Type of a deliverable, from its file name (report.csv → text/csv; charset=utf-8);
 * application/octet-stream when unknown or when it is content a browser would execute or render.
 */
export function deliverableContentType(name: string): string {
  const type = contentType(name);
  return type && !ACTIVE_CONTENT.test(type) ? type : "application/octet-stream";
}
