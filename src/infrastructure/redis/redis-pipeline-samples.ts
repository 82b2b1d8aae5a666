import type { Redis } from 'ioredis';
import type { PipelineSample, PipelineSamples } from '../../application/ports/pipeline-samples.js';

/** What is kept: the console shows the last hour; five minutes more so the oldest bucket is whole. */
const KEEP_MS = 65 * 60_000;

/**
 * One hash per 10-second bucket (`<p>:pipeline:sample:<bucketMs>`), capped by expiry rather than by trimming: a
 * bucket is written by every replica (HINCRBYFLOAT sums their counter deltas, HSET keeps the newest gauge), and
 * an expiring key needs no sweeper and no lock. An hour is 360 small keys, read in one pipeline.
 */
export class RedisPipelineSamples implements PipelineSamples {
  readonly stepMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly opts: { keyPrefix: string; stepMs?: number },
  ) {
    this.stepMs = opts.stepMs ?? 10_000;
  }

  private key(bucketMs: number): string {
    return `${this.opts.keyPrefix}:pipeline:sample:${bucketMs}`;
  }

  async record(atMs: number, counters: Readonly<Record<string, number>>, gauges: Readonly<Record<string, number>>): Promise<void> {
    const key = this.key(Math.floor(atMs / this.stepMs) * this.stepMs);
    const tx = this.redis.multi();
    for (const [name, delta] of Object.entries(counters)) if (delta !== 0) tx.hincrbyfloat(key, name, delta);
    const g = Object.entries(gauges).filter(([, v]) => Number.isFinite(v));
    if (g.length > 0) tx.hset(key, Object.fromEntries(g.map(([k, v]) => [k, String(v)])));
    tx.pexpire(key, KEEP_MS);
    await tx.exec();
  }

  async read(fromMs: number, toMs: number): Promise<PipelineSample[]> {
    const first = Math.floor(fromMs / this.stepMs) * this.stepMs;
    const buckets: number[] = [];
    for (let at = first; at <= toMs; at += this.stepMs) buckets.push(at);
    const p = this.redis.pipeline();
    for (const at of buckets) p.hgetall(this.key(at));
    const replies = (await p.exec()) ?? [];
    const out: PipelineSample[] = [];
    replies.forEach(([err, hash], i) => {
      if (err) throw err;
      const fields = Object.entries((hash ?? {}) as Record<string, string>);
      if (fields.length > 0) out.push({ at: buckets[i] as number, values: Object.fromEntries(fields.map(([k, v]) => [k, Number(v)])) });
    });
    return out;
  }
}
