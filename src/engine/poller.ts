import type { Logger } from "pino";
import type { Db } from "~/server/db";
import { type ClaimedRun, claimRuns } from "./claim";
import { sleep } from "./retry";

export type MappingConfig = { id: number; queueId: number; queueName: string; maxThreads: number; pollingIntervalMs: number; enabled: boolean };

export type PollerHost = {
  db: Db;
  nodeId: number;
  log: Logger;
  /** The fencing token to claim with (the node's incarnation); null while the node is paused, stopping or fenced. */
  claimToken(): number | null;
  /** Starts runs claimed with `token`; calls `onEnded` for each once it has ended (or could not start). Never rejects. */
  runClaimed(runs: ClaimedRun[], token: number, onEnded: (id: number) => void): Promise<void>;
};

/**
 * One poller per enabled queue mapping: claims up to maxThreads runs, sleeps pollingIntervalMs
 * (or until woken by an enqueue or a finished run). Database errors pause it with back-off.
 */
export class Poller {
  private readonly active = new Set<number>();
  private wakeController = new AbortController();
  private stopped = false;
  private loopDone: Promise<void> = Promise.resolve();
  /** False while the database refuses us: the management API reports it. */
  polling = false;
  lastPollAt: Date | null = null;
  finished: number[] = [];

  constructor(
    private readonly host: PollerHost,
    public mapping: MappingConfig,
  ) {}

  get running() {
    return this.active.size;
  }

  start() {
    this.loopDone = this.loop();
  }

  wake() {
    this.wakeController.abort();
  }

  async stop() {
    this.stopped = true;
    this.wake();
    await this.loopDone;
  }

  /** Ends per second over the last minute. */
  finishedPerSecond(now = Date.now()) {
    this.finished = this.finished.filter((t) => now - t < 60_000);
    return this.finished.length / 60;
  }

  private async loop() {
    let backoffMs = 0;
    while (!this.stopped) {
      let claimed = 0;
      try {
        const free = this.mapping.maxThreads - this.active.size;
        const token = this.host.claimToken();
        if (this.mapping.enabled && token !== null && free > 0) {
          const runs = await claimRuns(this.host.db, { queueId: this.mapping.queueId, nodeId: this.host.nodeId, token, max: free });
          claimed = runs.length;
          for (const r of runs) this.active.add(r.id);
          if (runs.length) {
            void this.host.runClaimed(runs, token, (id) => {
              this.active.delete(id);
              this.finished.push(Date.now());
              this.wake();
            });
          }
        }
        this.polling = this.mapping.enabled;
        this.lastPollAt = new Date();
        backoffMs = 0;
      } catch (err) {
        this.polling = false;
        backoffMs = Math.min(60_000, backoffMs + 1000);
        this.host.log.warn({ err, queue: this.mapping.queueName, backoffMs }, "poller cannot reach the database; backing off");
      }
      if (this.stopped) break;
      // A full claim may mean more runs wait: look again at once if slots are free.
      if (claimed > 0 && this.active.size < this.mapping.maxThreads) continue;
      const signal = this.wakeController.signal;
      await sleep(backoffMs || this.mapping.pollingIntervalMs, signal);
      if (signal.aborted) this.wakeController = new AbortController();
    }
    this.polling = false;
  }
}
