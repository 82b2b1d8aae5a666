/** One 10-second bucket of the fleet's pipeline figures: counters summed over replicas, gauges last written. */
export interface PipelineSample {
  /** Bucket start, epoch ms. */
  readonly at: number;
  /** `passed`, `forwarded`, `dropped.<reason>` (points in the bucket, all replicas); `backlog`, `budgetInWindow`, `breaker`, `lag.<partition>`. */
  readonly values: Readonly<Record<string, number>>;
}

/**
 * A short history of the pipeline (the console's sparklines), kept outside any one replica so that every api
 * replica answers with the fleet's picture. Writers add per-bucket counter deltas and overwrite gauges.
 */
export interface PipelineSamples {
  readonly stepMs: number;
  record(atMs: number, counters: Readonly<Record<string, number>>, gauges: Readonly<Record<string, number>>): Promise<void>;
  /** Buckets from `fromMs` to `toMs` that hold anything, oldest first. */
  read(fromMs: number, toMs: number): Promise<PipelineSample[]>;
}
