import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";

const workerFile = new URL("./heartbeat-worker.mjs", import.meta.url);

type BeatMessage = { type: "beat"; at: string; gapMs: number } | { type: "fenced" } | { type: "error"; message: string };

export type HeartbeatOptions = {
  databaseUrl: string;
  nodeId: number;
  incarnation: number;
  intervalMs: number;
  /** The database refused a beat: the node's incarnation moved on (declared dead, or started elsewhere). */
  onFenced: () => void;
  onError: (message: string) => void;
};

/** The node's heartbeat thread (heartbeat-worker.mjs) and what it measured. */
export class Heartbeat {
  private readonly worker: Worker;
  /** Database time of the last beat written. */
  lastBeatAt: Date | null = null;
  lastBeatOk = false;
  /** Longest time between two beats written since the node started (or rejoined). */
  maxGapMs = 0;
  beats = 0;
  /** Since when (monotonic ms) every beat has been written; null after a failed or refused beat. */
  private healthySince: number | null = null;

  constructor(private readonly options: HeartbeatOptions) {
    const { databaseUrl, nodeId, incarnation, intervalMs } = options;
    this.worker = new Worker(workerFile, { workerData: { databaseUrl, nodeId, incarnation, intervalMs }, env: {} });
    this.worker.on("message", (msg: BeatMessage) => this.onMessage(msg));
    this.worker.on("error", (err) => options.onError(`heartbeat thread failed: ${err.message}`));
  }

  private onMessage(msg: BeatMessage) {
    if (msg.type === "beat") {
      this.lastBeatAt = new Date(msg.at);
      this.lastBeatOk = true;
      // A beat long after the previous one means this node was paused: its watch starts again.
      if (msg.gapMs > 5 * this.options.intervalMs) this.healthySince = null;
      this.healthySince ??= performance.now();
      this.beats++;
      this.maxGapMs = Math.max(this.maxGapMs, msg.gapMs);
    } else if (msg.type === "fenced") {
      this.lastBeatOk = false;
      this.healthySince = null;
      this.options.onFenced();
    } else {
      this.lastBeatOk = false;
      this.healthySince = null;
      this.options.onError(msg.message);
    }
  }

  /**
   * How long this node has been beating without a break: silence of another node is only evidence
   * when this node was itself connected all along (not after a database outage, nor a pause of its own).
   */
  healthyForMs(): number {
    return this.healthySince === null ? 0 : performance.now() - this.healthySince;
  }

  /** Beats again, under the node's new incarnation. */
  resume(incarnation: number) {
    this.maxGapMs = 0;
    this.worker.postMessage({ type: "incarnation", incarnation });
  }

  async stop() {
    const exited = new Promise((resolve) => this.worker.once("exit", resolve));
    this.worker.postMessage({ type: "stop" });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.worker.terminate();
  }
}
