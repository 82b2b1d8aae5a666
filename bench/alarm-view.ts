// `npm run bench -- alarm-view [--alarms N]`: the alarm-view projection on a private redis-server — catch-up
// from the log through the projection runner (events/s), query latencies (one index, three intersected, a text
// scan over the whole budget), rebuild (clear + replay) and Redis memory per alarm of the read model.
// Prints one JSON line.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { alarmViewProjection, ALARM_VIEW } from '../src/application/alarms/alarm-view-projection.js';
import { ProjectionRunner } from '../src/application/projections/projection-runner.js';
import { rebuildProjection } from '../src/application/projections/rebuild-projection.js';
import { alarmStream } from '../src/domain/alarms/alarm-events.js';
import { RedisAlarmView } from '../src/infrastructure/redis/redis-alarm-view.js';
import { RedisEventStore } from '../src/infrastructure/redis/redis-event-store.js';
import { RedisLease } from '../src/infrastructure/redis/redis-lease.js';
import { RedisProjectionCheckpoints } from '../src/infrastructure/redis/redis-projection-checkpoints.js';
import { alarmLife, alarmView } from './support/alarm-events.js';
import { startPrivateRedis } from './support/private-redis.js';

const { values } = parseArgs({ options: { alarms: { type: 'string', default: '10000' } } });
const alarms = Number(values.alarms);
const server = await startPrivateRedis(fileURLToPath(new URL('../deploy/local/redis.conf', import.meta.url)));
const redis = new Redis(server.url);
try {
  const keyPrefix = 'bench:';
  const store = new RedisEventStore(redis, { keyPrefix });
  const checkpoints = new RedisProjectionCheckpoints(redis, { keyPrefix });
  const lease = new RedisLease(redis, { keyPrefix });
  const view = new RedisAlarmView(redis, { keyPrefix });
  const log = pino({ level: 'warn' });
  const runner = (owner: string): ProjectionRunner =>
    new ProjectionRunner({ projection: alarmViewProjection(view) as never, store, checkpoints, lease, owner, log, pageSize: 500 });
  // Two thirds stay firing (raised, updated), one third resolves: a realistic mix for the status index.
  for (let n = 0; n < alarms; n += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, alarms - n) }, (_, i) => {
        const life = alarmLife(n + i);
        return store.appendToStream(alarmStream(alarmView(n + i, 'firing', 0).id), (n + i) % 3 === 0 ? life : life.slice(0, 2), { expectedStreamVersion: 0 });
      }),
    );
  }
  const memBefore = await usedMemory(redis);
  const events = Math.round(alarms * (2 + 1 / 3));
  let t = performance.now();
  await runner('catch-up').catchUp(600_000);
  const catchUpMs = performance.now() - t;
  const viewBytes = (await usedMemory(redis)) - memBefore;
  const time = async (n: number, q: Parameters<RedisAlarmView['query']>[0]): Promise<number> => {
    const start = performance.now();
    for (let i = 0; i < n; i++) await view.query(q);
    return +((performance.now() - start) / n).toFixed(2);
  };
  const oneIndexMs = await time(50, { status: 'firing', limit: 50 });
  const threeIndexesMs = await time(50, { status: 'firing', severity: 'major', tags: { region: 'cn-east-1' }, limit: 50 });
  const textScanMs = await time(10, { text: 'no-such-text', limit: 50 });
  const digest = await view.digest();
  t = performance.now();
  await view.clear();
  const clearMs = performance.now() - t;
  t = performance.now();
  await rebuildProjection({ name: ALARM_VIEW, category: 'alarm', store, checkpoints, clear: () => view.clear(), runner: runner('rebuild'), timeoutMs: 600_000 });
  const rebuildMs = performance.now() - t;
  console.log(JSON.stringify({
    bench: 'alarm-view',
    alarms,
    events,
    catch_up_events_per_s: Math.round(events / (catchUpMs / 1000)),
    query_one_index_ms: oneIndexMs,
    query_three_indexes_ms: threeIndexesMs,
    text_scan_5000_ms: textScanMs,
    clear_ms: Math.round(clearMs),
    rebuild_ms: Math.round(rebuildMs),
    identical_after_rebuild: (await view.digest()) === digest,
    bytes_per_alarm: Math.round(viewBytes / alarms),
  }));
} finally {
  redis.disconnect();
  await server.stop();
}

async function usedMemory(r: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0);
}
