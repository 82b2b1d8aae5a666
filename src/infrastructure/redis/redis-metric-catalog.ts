import type { ChainableCommander, Redis } from 'ioredis';
import type { CatalogDelta, CatalogEntry, CatalogQuery, MetricCatalog } from '../../application/ports/metric-catalog.js';
import { aggregateCatalog } from './catalog-aggregate.js';
import { CATALOG_RECORD_LUA, CATALOG_SEP, DROP_COLUMNS } from './catalog-record-script.js';
import { catalogMinuteKeys } from './metric-keys.js';

export interface RedisMetricCatalogOptions {
  readonly keyPrefix: string;
  /**
   * Distinct names with their own entry per minute bucket; later names fold into `_other` (default 20,000).
   * Measured: ~100 bytes of Redis memory per name per minute, so the worst case is about
   * cap × retentionMinutes × 100 B (120 MB at the defaults) plus the hourly tag hashes (~80 B per field).
   */
  readonly maxNamesPerMinute?: number;
  /** Minutes kept; older buckets expire, and a query cannot reach further back (default 60). */
  readonly retentionMinutes?: number;
  /** Tag keys kept per name per flush (default 64); names and tag keys are clipped to 256 characters. */
  readonly maxTagKeys?: number;
  /** Fields of one hour's tag-key hash (name × tag key) before it stops growing (default 8 × the name cap). */
  readonly maxTagFieldsPerHour?: number;
  /** Names per script call: a huge flush is split so Redis is never blocked long by one call (default 1,000). */
  readonly chunkSize?: number;
  readonly now?: () => number;
}

// The script registered with defineCommand, as ioredis adds it to pipelines (its typings cannot know it).
interface CatalogPipeline extends ChainableCommander {
  catalogRecord(counts: string, tags: string, ...args: (string | number)[]): CatalogPipeline;
}

const MAX_NAME = 256;
// Names come from the wire: the separator is swapped out so a hostile name cannot split into two fields.
const clean = (s: string): string => (s.length > MAX_NAME ? s.slice(0, MAX_NAME) : s).replaceAll(CATALOG_SEP, '\ufffd');

/**
 * The catalog as per-minute Redis hashes shared by every replica (layout in metric-keys.ts, cap rule in
 * catalog-record-script.ts). `record` costs one round trip per flush: every chunk's script call goes in one
 * pipeline. Memory is bounded per minute by the name cap, and in time by expiring each minute's keys
 * `retentionMinutes` after that minute ended.
 */
export class RedisMetricCatalog implements MetricCatalog {
  private readonly cap: number;
  private readonly retention: number;
  private readonly maxTagKeys: number;
  private readonly tagCap: number;
  private readonly chunkSize: number;
  private readonly now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisMetricCatalogOptions,
  ) {
    if (!('catalogRecord' in redis)) redis.defineCommand('catalogRecord', { numberOfKeys: 2, lua: CATALOG_RECORD_LUA });
    this.cap = options.maxNamesPerMinute ?? 20_000;
    this.retention = options.retentionMinutes ?? 60;
    this.maxTagKeys = options.maxTagKeys ?? 64;
    this.tagCap = options.maxTagFieldsPerHour ?? 8 * this.cap;
    this.chunkSize = options.chunkSize ?? 1000;
    this.now = options.now ?? Date.now;
  }

  async record(delta: CatalogDelta, atMs: number): Promise<void> {
    const rows: unknown[] = [];
    for (const [name, c] of delta) {
      const counts = [c.seen, c.passed, ...DROP_COLUMNS.map((reason) => c.dropped[reason] ?? 0)];
      if (counts.every((n) => n === 0)) continue;
      rows.push([clean(name), counts, c.tagKeys.slice(0, this.maxTagKeys).map(clean)]);
    }
    if (rows.length === 0) return;
    const minute = Math.floor(atMs / 60_000);
    const keys = catalogMinuteKeys(this.options.keyPrefix, minute);
    // Expiry is anchored to the bucket's own minute (hour for tags), so late writes do not prolong it.
    const countsExpireAt = (minute + 1 + this.retention) * 60;
    const tagsExpireAt = ((Math.floor(minute / 60) + 1) * 60 + this.retention) * 60;
    const pipeline = this.redis.pipeline() as CatalogPipeline;
    for (let i = 0; i < rows.length; i += this.chunkSize) {
      const chunk = JSON.stringify(rows.slice(i, i + this.chunkSize));
      pipeline.catalogRecord(keys.counts, keys.tags, this.cap, this.tagCap, countsExpireAt, tagsExpireAt, atMs, chunk, CATALOG_SEP);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  async query(query: CatalogQuery): Promise<CatalogEntry[]> {
    const span = Math.min(Math.max(1, Math.floor(query.minutes ?? 15)), this.retention);
    const current = Math.floor(this.now() / 60_000);
    const minuteList = Array.from({ length: span }, (_, i) => current - span + 1 + i);
    const keys = minuteList.map((minute) => catalogMinuteKeys(this.options.keyPrefix, minute));
    const tagKeys = [...new Set(keys.map((k) => k.tags))];
    // Separate commands rather than one pipeline: the hours live in different hash slots (Cluster-safe), and
    // ioredis still writes them back to back without waiting for each answer.
    const [counts, tags] = await Promise.all([
      Promise.all(keys.map((k) => this.redis.hgetall(k.counts))),
      Promise.all(tagKeys.map((k) => this.redis.hgetall(k))),
    ]);
    const minutes = minuteList.map((minute, i) => ({ minute, counts: counts[i] ?? {} }));
    return aggregateCatalog({ minutes, tags }, {
      prefix: query.prefix ?? '',
      sort: query.sort ?? 'seen',
      limit: Math.max(0, Math.floor(query.limit ?? 1000)),
    });
  }
}
