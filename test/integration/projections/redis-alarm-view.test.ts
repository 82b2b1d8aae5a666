import { beforeEach, describe, expect, it } from 'vitest';
import type { AlarmViewDoc } from '../../../src/application/ports/alarm-view-store.js';
import type { AlarmView } from '../../../src/domain/alarms/alarm-events.js';
import { RedisAlarmView } from '../../../src/infrastructure/redis/redis-alarm-view.js';
import { alarm } from '../../support/alarm-fixtures.js';
import { useRedisPrefixes } from '../../support/redis-test.js';

const redisKeys = useRedisPrefixes('alarm-view');
let view: RedisAlarmView;
beforeEach(() => {
  view = new RedisAlarmView(redisKeys.redis, { keyPrefix: redisKeys.newPrefix(), scanBudget: 50 });
});

const doc = (a: AlarmView, version = 1): AlarmViewDoc => ({
  alarm: a,
  version,
  lastEventId: `${a.id}-${version}`,
  lastEventType: a.status === 'resolved' ? 'AlarmResolved' : version === 1 ? 'AlarmRaised' : 'AlarmUpdated',
  updatedAt: a.lastSeenAt,
});
const at = (minute: number): string => new Date(Date.UTC(2026, 11, 1, 10, minute)).toISOString();
const ids = (docs: readonly AlarmViewDoc[]): string[] => docs.map((d) => d.alarm.id);
const texts = (items: readonly Uint8Array[]): string[] => items.map((b) => Buffer.from(b).toString('utf8'));

/** Every page of a query, following cursors. */
async function allPages(query: Parameters<RedisAlarmView['query']>[0]): Promise<AlarmViewDoc[]> {
  const out: AlarmViewDoc[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1_000; i++) {
    const page = await view.query({ ...query, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    if (!page.next) return out;
    cursor = page.next;
  }
  throw new Error('too many pages');
}

describe('a read model of alarms with different statuses, severities, metrics and tags', () => {
  const a1 = alarm({ id: 'cpu-h1', metric: 'cpu', tags: { host: 'h1', dc: 'sh' }, severity: 'critical', startsAt: at(1), summary: 'CPU on fire' });
  const a2 = alarm({ id: 'cpu-h2', metric: 'cpu', tags: { host: 'h2', dc: 'sh' }, severity: 'major', startsAt: at(2) });
  const a3 = alarm({ id: 'mem-h1', metric: 'mem', tags: { host: 'h1', dc: 'bj' }, severity: 'critical', startsAt: at(3), status: 'resolved', resolvedAt: at(30) });
  const a4 = alarm({ id: 'disk-h3', metric: 'disk/used', tags: { host: 'h3', 'team=x': 'a\nb' }, severity: 'minor', startsAt: at(4), summary: 'Disk nearly full' });
  beforeEach(async () => {
    await view.upsert([a1, a2, a3, a4].map((a) => doc(a)));
  });

  it('lists everything newest first', async () => {
    expect(ids((await view.query({})).items)).toEqual(['disk-h3', 'mem-h1', 'cpu-h2', 'cpu-h1']);
  });

  it('filters by status, severity, metric, tag and their combinations', async () => {
    expect(ids((await view.query({ status: 'firing' })).items)).toEqual(['disk-h3', 'cpu-h2', 'cpu-h1']);
    expect(ids((await view.query({ severity: 'critical' })).items)).toEqual(['mem-h1', 'cpu-h1']);
    expect(ids((await view.query({ metric: 'cpu', tags: { host: 'h1' } })).items)).toEqual(['cpu-h1']);
    expect(ids((await view.query({ status: 'firing', severity: 'critical', tags: { dc: 'sh' } })).items)).toEqual(['cpu-h1']);
    expect(ids((await view.query({ metric: 'disk/used', tags: { 'team=x': 'a\nb' } })).items)).toEqual(['disk-h3']);
    expect(ids((await view.query({ metric: 'nope' })).items)).toEqual([]);
  });

  it('filters by a startsAt range, from inclusive and to exclusive', async () => {
    expect(ids((await view.query({ from: at(2), to: at(4) })).items)).toEqual(['mem-h1', 'cpu-h2']);
  });

  it('finds text case-insensitively in summary, tags and ids', async () => {
    expect(ids((await view.query({ text: 'on FIRE' })).items)).toEqual(['cpu-h1']);
    expect(ids((await view.query({ text: 'host=h1' })).items)).toEqual(['mem-h1', 'cpu-h1']);
    expect(ids((await view.query({ text: 'disk', status: 'firing' })).items)).toEqual(['disk-h3']);
  });

  it('moves an alarm between indexes when a later version changes it, and ignores an older version', async () => {
    await view.upsert([doc({ ...a1, status: 'resolved', severity: 'minor', resolvedAt: at(40) }, 3)]);
    await view.upsert([doc({ ...a1, summary: 'stale' }, 2)]);
    expect(ids((await view.query({ status: 'firing' })).items)).toEqual(['disk-h3', 'cpu-h2']);
    expect(ids((await view.query({ severity: 'minor' })).items)).toEqual(['disk-h3', 'cpu-h1']);
    expect((await view.get('cpu-h1'))?.version).toBe(3);
    expect(ids((await view.query({ text: 'stale' })).items)).toEqual([]);
  });

  it('gives the firing alarms and the recently resolved ones', async () => {
    const recent = await view.firingAndResolvedSince(new Date(at(20)));
    expect(recent.map((a) => a.id).sort()).toEqual(['cpu-h1', 'cpu-h2', 'disk-h3', 'mem-h1']);
    const older = await view.firingAndResolvedSince(new Date(at(31)));
    expect(older.map((a) => a.id).sort()).toEqual(['cpu-h1', 'cpu-h2', 'disk-h3']);
  });

  it('has the same digest after every doc is applied again, and a different one after a change', async () => {
    const before = await view.digest();
    await view.upsert([a4, a3, a2, a1].map((a) => doc(a)));
    expect(await view.digest()).toBe(before);
    await view.upsert([doc({ ...a2, value: 1 }, 2)]);
    expect(await view.digest()).not.toBe(before);
  });

  it('is empty after clear', async () => {
    await view.clear();
    expect((await view.query({})).items).toEqual([]);
    expect(await view.get('cpu-h1')).toBeNull();
    expect(await redisKeys.redis.keys(`*${(view as unknown as { base: string }).base.slice(1, 30)}*`)).toEqual([]);
  });

  it('refuses a malformed cursor with a clear error', async () => {
    await expect(view.query({ cursor: 'bm9wZQ' })).rejects.toThrow('invalid cursor');
    await expect(view.queryJson({ cursor: 'bm9wZQ' })).rejects.toThrow('invalid cursor');
  });

  it('gives the same page as JSON text of each alarm as the API shows it', async () => {
    const q = { severity: 'critical' as const, limit: 1 };
    const [page, json] = [await view.query(q), await view.queryJson(q)];
    expect(json.next).toBe(page.next);
    expect(texts(json.items).map((t) => JSON.parse(t) as unknown)).toEqual(page.items.map((d) => ({ ...d.alarm, version: d.version, updatedAt: d.updatedAt })));
    expect(texts(json.items)).toEqual([JSON.stringify({ ...a3, version: 1, updatedAt: a3.lastSeenAt })]);
    const wide = { ...a2, summary: '磁盘快满了 — “quoted” \u2028 ✓', tags: { ...a2.tags, 'ключ': 'значение' } };
    await view.upsert([doc(wide, 2)]);
    expect(texts((await view.queryJson({ severity: 'major' })).items)).toEqual([JSON.stringify({ ...wide, version: 2, updatedAt: wide.lastSeenAt })]);
  });

  it('gives every field of each document back, event id and type included', async () => {
    expect(await view.get('mem-h1')).toEqual(doc(a3));
    expect((await view.query({ metric: 'mem' })).items).toEqual([doc(a3)]);
    expect(await view.get('nope')).toBeNull();
  });
});

describe('a read model written before the alarms\' API JSON was stored (a `doc` field per alarm)', () => {
  const old1 = alarm({ id: 'old-1', startsAt: at(1), severity: 'critical' });
  const old2 = alarm({ id: 'old-2', startsAt: at(2), severity: 'critical' });
  // The earlier upsert script's layout, written directly: version, doc, member, idx, text.
  const writeOldShape = async (a: AlarmView): Promise<void> => {
    const base = (view as unknown as { base: string }).base;
    const member = `${String(Date.parse(a.startsAt)).padStart(15, '0')}|${a.id}`;
    const idx = ['all', `status:${a.status}`, `severity:${a.severity}`];
    for (const k of idx) await redisKeys.redis.zadd(`${base}i:${k}`, 0, member);
    await redisKeys.redis.sadd(`${base}indexes`, ...idx);
    await redisKeys.redis.hset(`${base}h:${a.id}`, { version: '1', doc: JSON.stringify(doc(a)), member, idx: idx.join('\n'), text: a.id });
  };
  beforeEach(async () => {
    await writeOldShape(old1);
    await writeOldShape(old2);
  });

  it('is still read: documents, pages and JSON pages', async () => {
    expect(await view.get('old-1')).toEqual(doc(old1));
    expect(ids((await view.query({ severity: 'critical' })).items)).toEqual(['old-2', 'old-1']);
    expect(texts((await view.queryJson({ severity: 'critical' })).items)).toEqual([old2, old1].map((a) => JSON.stringify({ ...a, version: 1, updatedAt: a.lastSeenAt })));
    expect((await view.firingAndResolvedSince(new Date(at(0)))).map((a) => a.id).sort()).toEqual(['old-1', 'old-2']);
  });

  it('is rewritten in the new shape by the next version of an alarm, the old field gone', async () => {
    await view.upsert([doc({ ...old1, value: 7 }, 2)]);
    const base = (view as unknown as { base: string }).base;
    const h = await redisKeys.redis.hgetall(`${base}h:old-1`);
    expect(Object.keys(h).sort()).toEqual(['body', 'eventId', 'eventType', 'idx', 'member', 'text', 'version']);
    expect(await view.get('old-1')).toEqual(doc({ ...old1, value: 7 }, 2));
    expect(texts((await view.queryJson({ severity: 'critical' })).items).map((t) => (JSON.parse(t) as { version: number }).version)).toEqual([1, 2]);
  });
});

describe('pagination over many alarms', () => {
  it('returns each alarm exactly once in a stable order while newer and older alarms are inserted between pages', async () => {
    const base = Array.from({ length: 45 }, (_, i) => alarm({ id: `p${String(i).padStart(3, '0')}`, startsAt: at(100 + (i % 15)) })); // ties on startsAt
    await view.upsert(base.map((a) => doc(a)));
    const seen: string[] = [];
    let cursor: string | undefined;
    let round = 0;
    do {
      const page = await view.query({ limit: 7, status: 'firing', ...(cursor ? { cursor } : {}) });
      seen.push(...ids(page.items));
      cursor = page.next ?? undefined;
      // Inserts between pages: one newer than everything (lands before the cursor), one older (lands after it).
      round += 1;
      await view.upsert([doc(alarm({ id: `new${round}`, startsAt: at(500 + round) })), doc(alarm({ id: `old${round}`, startsAt: at(10 + round) }))]);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const expectedBase = [...base].sort((x, y) => (x.startsAt === y.startsAt ? (x.id < y.id ? 1 : -1) : x.startsAt < y.startsAt ? 1 : -1)).map((a) => a.id);
    expect(seen.filter((id) => id.startsWith('p'))).toEqual(expectedBase);
    expect(seen.some((id) => id.startsWith('new'))).toBe(false);
  });

  it('returns a short page and a cursor when a text search hits its scan budget, and finds the rest later', async () => {
    const many = Array.from({ length: 120 }, (_, i) => alarm({ id: `t${String(i).padStart(3, '0')}`, startsAt: at(200 + i), summary: i % 40 === 0 ? 'needle' : 'hay' }));
    await view.upsert(many.map((a) => doc(a)));
    const first = await view.query({ text: 'needle', limit: 10 });
    expect(first.items.length).toBeLessThan(3);
    expect(first.next).not.toBeNull();
    expect(ids(await allPages({ text: 'needle', limit: 10 }))).toEqual(['t080', 't040', 't000']);
  });
  it('bounds a walk over several indexes by the scan budget, and the cursors still reach every match', async () => {
    // 120 critical alarms, every 30th on host h9, three resolved; scan budget 50. The walk follows the smallest
    // index (h9: 4 members), whatever the order of the filters; 'firing' + 'h0' (116 members each) is cut by the budget.
    const many = Array.from({ length: 120 }, (_, i) =>
      alarm({ id: `s${String(i).padStart(3, '0')}`, startsAt: at(300 + i), severity: 'critical', tags: { host: i % 30 === 0 ? 'h9' : 'h0' }, ...(i % 55 === 0 ? { status: 'resolved' as const, resolvedAt: at(999) } : {}) }),
    );
    await view.upsert(many.map((a) => doc(a)));
    const byHost = await view.query({ severity: 'critical', tags: { host: 'h9' }, limit: 10 });
    expect(ids(byHost.items)).toEqual(['s090', 's060', 's030', 's000']);
    expect(byHost.next).toBeNull();
    const first = await view.query({ severity: 'critical', status: 'resolved', limit: 10 });
    expect(ids(first.items)).toEqual(['s110', 's055', 's000']);
    const rare = await view.query({ severity: 'critical', status: 'firing', tags: { host: 'h9' }, limit: 2 });
    expect(ids(rare.items)).toEqual(['s090', 's060']);
    expect(ids(await allPages({ severity: 'critical', status: 'firing', tags: { host: 'h9' }, limit: 2 }))).toEqual(['s090', 's060', 's030']);
    const none = await view.query({ severity: 'major', status: 'firing', limit: 10 });
    expect(none).toEqual({ items: [], next: null });
    const cut = await view.query({ status: 'firing', tags: { host: 'h0' }, text: 's005', limit: 10 });
    expect(cut.items).toEqual([]);
    expect(cut.next).not.toBeNull();
    expect(ids(await allPages({ status: 'firing', tags: { host: 'h0' }, text: 's005', limit: 10 }))).toEqual(['s005']);
  });
});
