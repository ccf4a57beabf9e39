import { mkdirSync } from "node:fs";
import { join } from "node:path";
import pino, { type Logger } from "pino";

export const ENGINE_LOG_NAME = "engine";

/** JSON lines to stdout and to logDir/engine.<n>.log, rolled at 10 MB, 5 files kept. */
export function createEngineLogger(nodeName: string, logDir: string, level: string): Logger {
  mkdirSync(logDir, { recursive: true, mode: 0o750 });
  const transport = pino.transport({
    targets: [
      {
        target: "pino-roll",
        level: "trace",
        options: { file: join(logDir, ENGINE_LOG_NAME), extension: ".log", size: "10m", limit: { count: 5 }, mkdir: true },
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
