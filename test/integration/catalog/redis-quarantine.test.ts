import { afterAll, describe, expect, it } from 'vitest';
import type { QuarantinedLine } from '../../../src/application/ports/quarantine.js';
import { RedisQuarantine } from '../../../src/infrastructure/redis/redis-quarantine.js';
import { redisForTest } from '../../support/redis-test.js';

const { redis, prefix, cleanup } = redisForTest('quarantine');
afterAll(cleanup);

const line = (i: number, raw = `bad line ${i}`): QuarantinedLine =>
  ({ raw, reason: 'syntax', topic: 'telegraf', partition: i % 3, offset: String(1000 + i), at: 1_700_000_000_000 + i });

describe('when lines are quarantined', () => {
  it('lists them newest first and pages with the cursor', async () => {
    const q = new RedisQuarantine(redis, { keyPrefix: `${prefix}:order` });
    await q.add([line(1), line(2), line(3)]);

    const first = await q.list({ limit: 2 });
    expect(first.entries.map((e) => e.raw)).toEqual(['bad line 3', 'bad line 2']);
    expect(first.entries[0]).toMatchObject({ topic: 'telegraf', partition: 0, offset: '1003', at: 1_700_000_000_003, truncated: false });
    expect(first.next).toBe(first.entries[1]?.id);

    const second = await q.list({ limit: 2, before: first.next });
    expect(second.entries.map((e) => e.raw)).toEqual(['bad line 1']);
    expect(second.next).toBeUndefined();
    expect(await q.count()).toBe(3);
  });

  it('cuts long lines on a character boundary and says so', async () => {
    const q = new RedisQuarantine(redis, { keyPrefix: `${prefix}:trunc`, maxRawBytes: 4096 });
    await q.add([line(1, '€'.repeat(5000))]); // 3 bytes each: 4096 falls inside a character

    const [entry] = (await q.list({ limit: 1 })).entries;
    expect(entry).toMatchObject({ raw: '€'.repeat(1365), truncated: true, rawBytes: 15_000 });
  });
});

describe('when more lines arrive than the cap', () => {
  it('keeps the stream near the cap, dropping the oldest', async () => {
    const q = new RedisQuarantine(redis, { keyPrefix: `${prefix}:cap`, maxEntries: 100 });
    await q.add(Array.from({ length: 1000 }, (_, i) => line(i)));

    const n = await q.count();
    expect(n).toBeGreaterThanOrEqual(100);
    expect(n).toBeLessThanOrEqual(200); // MAXLEN ~ trims whole stream nodes (100 entries each by default)
    expect((await q.list({ limit: 1 })).entries[0]?.raw).toBe('bad line 999');
  });
});
