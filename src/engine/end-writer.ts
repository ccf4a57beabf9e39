import type { Db } from "~/server/db";
import { type EndRunOptions, endRuns } from "~/server/services/runs/end-run";

type Pending = { end: EndRunOptions; resolve: (written: boolean) => void; reject: (err: unknown) => void };

/**
 * Writes the ends of a node's runs, many per transaction (group commit): an end that arrives while a
 * write is in flight waits for it and goes with the others in the next one, so an idle node writes
 * at once and a busy one writes a batch per round trip. A batch the database refuses is written again
 * one end at a time: one bad end never holds the others.
 */
export class EndWriter {
  private waiting: Pending[] = [];
  private busy = false;
  /** Transactions written so far (tests, the bench). */
  transactions = 0;

  constructor(
    private readonly db: Db,
    private readonly maxBatch = 100,
  ) {}

  /** True when the end was written, false when the run had already ended or is no longer the claim's. */
  write(end: EndRunOptions): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ end, resolve, reject });
      if (!this.busy) void this.drain();
    });
  }

  private async drain() {
    this.busy = true;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        this.transactions++;
        const written = await endRuns(this.db, batch.map((p) => p.end));
        for (const p of batch) p.resolve(written.has(p.end.id));
      } catch (err) {
        if (batch.length === 1) batch[0]!.reject(err);
        else await Promise.all(batch.map((p) => endRuns(this.db, [p.end]).then((w) => p.resolve(w.has(p.end.id)), p.reject)));
      }
    }
    this.busy = false;
  }
}
