import type { Redis } from 'ioredis';
import type { Quarantine, QuarantineEntry, QuarantinedLine, QuarantinePage } from '../../application/ports/quarantine.js';
import { quarantineKey } from './metric-keys.js';

export interface RedisQuarantineOptions {
  readonly keyPrefix: string;
  /** Approximate cap on kept lines (XADD MAXLEN ~): Redis trims whole nodes, so it may hold slightly more. */
  readonly maxEntries?: number;
  /** Raw lines longer than this many UTF-8 bytes are cut (default 4 KiB). */
  readonly maxRawBytes?: number;
}

/** Cuts to at most `max` UTF-8 bytes without splitting a character. */
export const truncateUtf8 = (text: string, max: number): { text: string; bytes: number; truncated: boolean } => {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return { text, bytes: buf.length, truncated: false };
  let end = max;
  // Back up over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return { text: buf.subarray(0, end).toString('utf8'), bytes: buf.length, truncated: true };
};

/** The quarantine as one capped Redis stream; ids are stream ids, so the cursor is exact and stable. */
export class RedisQuarantine implements Quarantine {
  private readonly key: string;
  private readonly maxEntries: number;
  private readonly maxRawBytes: number;

  constructor(
    private readonly redis: Redis,
    options: RedisQuarantineOptions,
  ) {
    this.key = quarantineKey(options.keyPrefix);
    this.maxEntries = options.maxEntries ?? 100_000;
    this.maxRawBytes = options.maxRawBytes ?? 4096;
  }

  async add(entries: readonly QuarantinedLine[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const e of entries) {
      const raw = truncateUtf8(e.raw, this.maxRawBytes);
      pipeline.xadd(this.key, 'MAXLEN', '~', this.maxEntries, '*',
        'raw', raw.text, 'reason', e.reason, 'topic', e.topic, 'partition', e.partition, 'offset', e.offset,
        'at', e.at, 'rawBytes', raw.bytes, 'truncated', raw.truncated ? 1 : 0);
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  async list(opts: { limit: number; before?: string }): Promise<QuarantinePage> {
    const limit = Math.max(1, Math.floor(opts.limit));
    // One more than asked tells whether an older page exists; '(' makes the cursor exclusive (Redis >= 6.2).
    const end = opts.before ? `(${opts.before}` : '+';
    const rows = await this.redis.xrevrange(this.key, end, '-', 'COUNT', limit + 1);
    const entries = rows.slice(0, limit).map(([id, fields]) => toEntry(id, fields));
    const last = entries[entries.length - 1];
    return rows.length > limit && last ? { entries, next: last.id } : { entries };
  }

  async count(): Promise<number> {
    return this.redis.xlen(this.key);
  }
}

const toEntry = (id: string, fields: string[]): QuarantineEntry => {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i] as string, fields[i + 1] as string);
  return {
    id,
    raw: f.get('raw') ?? '',
    reason: f.get('reason') ?? '',
    topic: f.get('topic') ?? '',
    partition: Number(f.get('partition') ?? -1),
    offset: f.get('offset') ?? '',
    at: Number(f.get('at') ?? 0),
    rawBytes: Number(f.get('rawBytes') ?? 0),
    truncated: f.get('truncated') === '1',
  };
};
