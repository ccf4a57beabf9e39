import type { Logger } from "pino";
import type { PayloadAccount } from "../payload-account";

/** Everything a runner needs to start one run. */
export type RunContext = {
  id: number;
  applicationName: string;
  payloadType: "shell" | "exec" | "node";
  /** Command line, executable or module path (relative paths resolve against the node's jobsDir). */
  path: string;
  parameters: Record<string, string>;
  env: Record<string, string>;
  workDir: string;
  deliveryDir: string;
  stdoutFile: string;
  stderrFile: string;
  jobsDir: string;
  killGraceMs: number;
  /** The unprivileged account the payload runs as; null: the node's own account (no isolation). */
  account?: PayloadAccount | null;
  log: Logger;
  /** Calls a node payload can make back into the engine. */
  api: PayloadApi;
};

export type PayloadApi = {
  sendProgress(progress: number): Promise<void>;
  sendMessage(text: string): Promise<void>;
  /**
   * `path`: in the work dir (node's own account), or for an isolated payload the plain name its
   * process gave the file in the delivery dir, with the name the payload used as `originalName` (data).
   */
  addDeliverable(path: string, fileFamily?: string, originalName?: string): Promise<void>;
  enqueue(applicationName: string, parameters?: Record<string, string>): Promise<number>;
};

export type RunOutcome = { returnCode: number | null; error?: string };

export type RunnerHandle = {
  /** Resolves when the payload has ended, however it ended. */
  done: Promise<RunOutcome>;
  /** Graceful then forced stop; the run ends CRASHED. */
  kill(): void;
  /** Process group of a shell/exec payload, so that a restarted node can end what its previous life left. */
  processGroup?: number;
};

/** Parameters in key order: JQM appends explicit parameters sorted by key. */
export function orderedParameterValues(parameters: Record<string, string>): string[] {
  return Object.keys(parameters)
    .sort()
    .map((k) => parameters[k]!);
}
