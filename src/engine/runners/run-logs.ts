import { createWriteStream } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { finished } from "node:stream/promises";
import { PRIVATE_FILE_MODE } from "~/server/domain/node-files";
import type { RunContext, RunOutcome } from "./types";

/**
 * A run's stdout and stderr files, appended to. A write that fails (disk full, a log dir the node
 * may not write) must not end the node: the first failure is kept, later output is dropped, and the
 * run ends CRASHED saying so.
 */
export function openRunLogs(ctx: Pick<RunContext, "stdoutFile" | "stderrFile">) {
  let failure: NodeJS.ErrnoException | null = null;
  const open = (file: string) =>
    createWriteStream(file, { flags: "a", mode: PRIVATE_FILE_MODE }).on("error", (err) => {
      failure ??= err;
    });
  const stdout = open(ctx.stdoutFile);
  const stderr = open(ctx.stderrFile);
  return {
    stdout,
    stderr,
    /** Ends both files and waits until they are closed: the run's outcome, unless a write failed. */
    async close(outcome: RunOutcome): Promise<RunOutcome> {
      stdout.end();
      stderr.end();
      await Promise.all([stdout, stderr].map((s) => finished(s).catch(() => undefined)));
      return failure ? { returnCode: null, error: `could not write its log: ${failure.code ?? failure.message}` } : outcome;
    },
  };
}

/** Pipes a payload's output into its log; once the log fails, the output is read and dropped, so the payload never blocks on a full pipe. */
export function pipeToLog(source: Readable, log: Writable) {
  source.pipe(log);
  log.once("error", () => setImmediate(() => source.resume()));
}
