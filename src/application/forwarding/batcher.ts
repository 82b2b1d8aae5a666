import type { MetricBatch, MetricPoint } from '../../domain/metric.js';

export interface BatcherLimits {
  readonly maxPoints: number;
  readonly maxBytes: number;
}

/**
 * Collects accepted points into batches that respect the engine's per-request limits. Size is estimated
 * (JSON length of name + tags + ~40 bytes of numbers and punctuation) rather than serialised, because this runs
 * once per accepted point on the hot path; the estimate errs high so a full batch stays under maxBytes.
 */
export class Batcher {
  private points: MetricPoint[] = [];
  private bytes = 0;
  private readonly full: MetricPoint[][] = [];
  private seq = 0;

  constructor(
    private readonly limits: BatcherLimits,
    private readonly newId: (seq: number) => string,
  ) {}

  add(point: MetricPoint): void {
    const size = estimateBytes(point);
    if (this.points.length > 0 && (this.points.length >= this.limits.maxPoints || this.bytes + size > this.limits.maxBytes)) {
      this.full.push(this.points);
      this.points = [];
      this.bytes = 0;
    }
    this.points.push(point);
    this.bytes += size;
  }

  /** Points accepted since the last take (sealed batches and the open one). */
  get pending(): number {
    return this.points.length + this.full.reduce((n, b) => n + b.length, 0);
  }

  /** Batches that reached a limit and wait for a flush (the open one counted once it is full). */
  get fullBatches(): number {
    return this.full.length + (this.points.length >= this.limits.maxPoints ? 1 : 0);
  }

  /** True when at least one batch reached a limit: flush now rather than waiting for the linger timer. */
  get hasFullBatch(): boolean {
    return this.fullBatches > 0;
  }

  /** Hands over every batch, the open one included, and starts empty. */
  take(): MetricBatch[] {
    const all = this.points.length > 0 ? [...this.full, this.points] : [...this.full];
    this.full.length = 0;
    this.points = [];
    this.bytes = 0;
    return all.map((points) => ({ id: this.newId(this.seq++), points }));
  }
}

export function estimateBytes(p: MetricPoint): number {
  // {"metric":"","tags":{},"ts":,"value":} is 38 bytes, a ms timestamp 13, a float at most 24.
  let n = p.name.length + 80;
  for (const k in p.tags) n += k.length + (p.tags[k]?.length ?? 0) + 6;
  return n;
}
