/** Ended-run counts in fixed time buckets, for the overview chart. Pure: no database, no clock. */

export type EndedRunRow = { endedAt: Date; state: string };

export type RunBucket = {
  /** Start of the bucket (inclusive); the bucket ends at start + bucketMs (exclusive). */
  start: Date;
  ended: number;
  crashed: number;
  cancelled: number;
};

export type BucketOptions = {
  /** The moment the last bucket contains (usually now). */
  now: Date;
  bucketMs: number;
  /** Number of buckets, the last one being the (partial) bucket that contains `now`. */
  count: number;
};

/** Start of the first bucket: buckets are aligned on multiples of bucketMs since the epoch (UTC). */
export function bucketWindowStart({ now, bucketMs, count }: BucketOptions): Date {
  const last = Math.floor(now.getTime() / bucketMs) * bucketMs;
  return new Date(last - (count - 1) * bucketMs);
}

/**
 * Counts rows per bucket and state. Rows outside [window start, end of the last bucket) are ignored,
 * as are states other than ENDED, CRASHED and CANCELLED.
 */
export function bucketRuns(rows: Iterable<EndedRunRow>, options: BucketOptions): RunBucket[] {
  const { bucketMs, count } = options;
  if (!(bucketMs > 0) || !Number.isInteger(count) || count <= 0) throw new RangeError("bucketMs and count must be positive");
  const first = bucketWindowStart(options).getTime();
  const buckets: RunBucket[] = Array.from({ length: count }, (_, i) => ({
    start: new Date(first + i * bucketMs),
    ended: 0,
    crashed: 0,
    cancelled: 0,
  }));
  for (const row of rows) {
    const index = Math.floor((row.endedAt.getTime() - first) / bucketMs);
    if (index < 0 || index >= count) continue;
    const bucket = buckets[index]!;
    if (row.state === "ENDED") bucket.ended++;
    else if (row.state === "CRASHED") bucket.crashed++;
    else if (row.state === "CANCELLED") bucket.cancelled++;
  }
  return buckets;
}
