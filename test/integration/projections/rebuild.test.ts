import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { alarmViewProjection, ALARM_VIEW } from '../../../src/application/alarms/alarm-view-projection.js';
import { ProjectionRunner } from '../../../src/application/projections/projection-runner.js';
import { rebuildProjection } from '../../../src/application/projections/rebuild-projection.js';
import { loadConfig } from '../../../src/infrastructure/config/load-config.js';
import { RedisAlarmView } from '../../../src/infrastructure/redis/redis-alarm-view.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { RedisLease } from '../../../src/infrastructure/redis/redis-lease.js';
import { RedisProjectionCheckpoints } from '../../../src/infrastructure/redis/redis-projection-checkpoints.js';
import { runProjectionCommand } from '../../../src/interfaces/cli/projections-commands.js';
import { alarm, appendAlarm, appendLifecycles, raised, updated } from '../../support/alarm-fixtures.js';
import { useRedisPrefixes } from '../../support/redis-test.js';

const log = pino({ level: 'silent' });
const redisKeys = useRedisPrefixes('rebuild');
const runners: ProjectionRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
  vi.restoreAllMocks();
});

async function fixture() {
  const prefix = redisKeys.newPrefix();
  const redis = redisKeys.redis;
  const store = new RedisEventStore(redis, { keyPrefix: prefix });
  const checkpoints = new RedisProjectionCheckpoints(redis, { keyPrefix: prefix });
  const lease = new RedisLease(redis, { keyPrefix: prefix });
  const view = new RedisAlarmView(redis, { keyPrefix: prefix });
  // A mixed history: full lifecycles, alarms still firing after updates, tags, severities.
  await appendLifecycles(store, 40);
  for (let i = 0; i < 30; i++) {
    const a = alarm({ severity: i % 2 ? 'critical' : 'warning', tags: { host: `h${i % 4}`, dc: i % 3 ? 'sh' : 'bj' }, startsAt: new Date(Date.UTC(2026, 11, 1, 12, i)).toISOString() });
    await appendAlarm(store, [raised(a), updated({ ...a, value: i })]);
  }
  const runner = (owner: string): ProjectionRunner => {
    const r = new ProjectionRunner({ projection: alarmViewProjection(view), store, checkpoints, lease, owner, log, pageSize: 37, idleMs: 20, acquireRetryMs: 100, leaseTtlMs: 2_000 });
    runners.push(r);
    return r;
  };
  return { prefix, store, checkpoints, lease, view, runner };
}

describe('an alarm view built from the log', () => {
  it('is identical (same digest) after a rebuild from the log', async () => {
    const f = await fixture();
    expect(await f.runner('first').catchUp(20_000)).toBe(true);
    const before = await f.view.digest();
    expect((await f.view.query({ limit: 500 })).items).toHaveLength(70);
    const done = await rebuildProjection({ name: ALARM_VIEW, category: 'alarm', store: f.store, checkpoints: f.checkpoints, clear: () => f.view.clear(), runner: f.runner('rebuild'), timeoutMs: 20_000 });
    expect(done).toBe(true);
    expect(await f.view.digest()).toBe(before);
  });

  it('is identical when a live replica owns the projection during the rebuild (it replays)', async () => {
    const f = await fixture();
    const live = f.runner('live');
    live.start();
    await new Promise((r) => setTimeout(r, 100));
    const head = (await f.store.readCategory('alarm', { after: null, maxCount: 10_000 })).at(-1)?.position;
    await vi.waitUntil(async () => (await f.checkpoints.read(ALARM_VIEW)) === head, { timeout: 20_000, interval: 50 });
    const before = await f.view.digest();
    const done = await rebuildProjection({ name: ALARM_VIEW, category: 'alarm', store: f.store, checkpoints: f.checkpoints, clear: () => f.view.clear(), runner: f.runner('rebuild'), timeoutMs: 20_000 });
    expect(done).toBe(true);
    expect(live.isOwner()).toBe(true);
    expect(await f.view.digest()).toBe(before);
  });

  it('is identical after every event is applied a second time (checkpoint reset without clearing)', async () => {
    const f = await fixture();
    await f.runner('first').catchUp(20_000);
    const before = await f.view.digest();
    await f.checkpoints.reset(ALARM_VIEW);
    await f.runner('again').catchUp(20_000);
    expect(await f.view.digest()).toBe(before);
  });

  it('differs when the read model was damaged, and a rebuild repairs it', async () => {
    const f = await fixture();
    await f.runner('first').catchUp(20_000);
    const before = await f.view.digest();
    await redisKeys.redis.zadd(`{${f.prefix}alarm-view}:i:status:firing`, 0, '000000000000001|ghost');
    expect(await f.view.digest()).not.toBe(before);
    await rebuildProjection({ name: ALARM_VIEW, category: 'alarm', store: f.store, checkpoints: f.checkpoints, clear: () => f.view.clear(), runner: f.runner('rebuild'), timeoutMs: 20_000 });
    expect(await f.view.digest()).toBe(before);
  });

  it('is rewritten in the current shape when it was written in the shape before the API JSON was stored', async () => {
    const f = await fixture();
    await f.runner('first').catchUp(20_000);
    const before = await f.view.digest();
    // Every alarm back to the earlier layout: the whole document as `doc`, no `body`, `eventId`, `eventType`.
    const hashes = await redisKeys.redis.keys(`{${f.prefix}alarm-view}:h:*`);
    for (const h of hashes) {
      const doc = await f.view.get(h.slice(h.indexOf(':h:') + 3));
      await redisKeys.redis.hdel(h, 'body', 'eventId', 'eventType');
      await redisKeys.redis.hset(h, 'doc', JSON.stringify(doc));
    }
    expect(hashes.length).toBe(70);
    expect(await f.view.digest()).not.toBe(before);
    await rebuildProjection({ name: ALARM_VIEW, category: 'alarm', store: f.store, checkpoints: f.checkpoints, clear: () => f.view.clear(), runner: f.runner('rebuild'), timeoutMs: 20_000 });
    expect(await f.view.digest()).toBe(before);
    expect(await redisKeys.redis.hexists(hashes[0]!, 'doc')).toBe(0);
  });
});

describe('the projections rebuild command', () => {
  it('prints equal digests before and after and exits 0', async () => {
    const f = await fixture();
    await f.runner('first').catchUp(20_000);
    const keyPrefix = f.prefix.slice(0, -1); // the CLI appends ':' to redis.keyPrefix
    const config = loadConfig({ env: {}, overrides: { redis: { keyPrefix } }, forTool: true });
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void printed.push(s));
    const code = await runProjectionCommand('projections', ['rebuild', 'alarm-view'], config, log);
    expect(code).toBe(0);
    const out = JSON.parse(printed.join('\n')) as { identical: boolean; digestBefore: string; digestAfter: string };
    expect(out.digestBefore).toBe(await f.view.digest());
    expect(out).toMatchObject({ identical: true, digestAfter: out.digestBefore });
  });

  it('refuses to rebuild a delivery projection without --redeliver', async () => {
    const config = loadConfig({ env: {}, overrides: { redis: { keyPrefix: 'x' } }, forTool: true });
    await expect(runProjectionCommand('projections', ['rebuild', 'nope'], config, log)).rejects.toThrow('usage: projections rebuild <alarm-view>');
  });
});
