import { chmodSync, lstatSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import pino, { type Logger } from "pino";
import { ENGINE_LOG_NAME, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "~/server/domain/node-files";


/** Engine logs an older version left readable by every account become PRIVATE_FILE_MODE. */
function tightenEngineLogs(logDir: string) {
  for (const name of readdirSync(logDir)) {
    if (!new RegExp(`^${ENGINE_LOG_NAME}\\.\\d+\\.log$`).test(name)) continue;
    const file = join(logDir, name);
    const s = lstatSync(file);
    if (s.isFile() && s.uid === process.getuid?.() && (s.mode & 0o777 & ~PRIVATE_FILE_MODE) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
  }
}

/** JSON lines to stdout and to logDir/engine.<n>.log (0640), rolled at 10 MB, 5 files kept. */
export function createEngineLogger(nodeName: string, logDir: string, level: string): Logger {
  mkdirSync(logDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  tightenEngineLogs(logDir);
  const transport = pino.transport({
    targets: [
      {
        target: "pino-roll",
        level: "trace",
        options: { file: join(logDir, ENGINE_LOG_NAME), extension: ".log", size: "10m", limit: { count: 5 }, mkdir: true, mode: PRIVATE_FILE_MODE },
      },
      { target: "pino/file", level: "trace", options: { destination: 1 } },
    ],
  });
  return pino({ level: pinoLevel(level), base: { node: nodeName, pid: process.pid } }, transport);
}

/** JQM's level names (TRACE…FATAL, WARNING) to pino's; anything else is INFO, as in JQM. */
export function pinoLevel(level: string): pino.Level {
  const l = level.toLowerCase();
  if (l === "warning") return "warn";
  return (["trace", "debug", "info", "warn", "error", "fatal"] as const).find((x) => x === l) ?? "info";
}
