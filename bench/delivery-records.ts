// `npm run bench -- delivery-records [--alarms 2000] [--rounds 3] [--sink instant|webhook]`: what the per-alarm
// delivery records cost the alarm-delivery projection. On a private redis-server, `alarms` alarms of three events
// each are delivered through the projection runner, alternately without and with the records, to `instant` (a
// sink in the process that answers at once, no network: the worst case for the record, whose one pipelined write
// per page is then the only extra work) or `webhook` (the real signed WebhookAlarmSink posting to a verifying
// receiver on loopback, as deployed)
// (`rounds` times each, a fresh checkpoint per run). Prints one JSON line: events/s of each, the slowdown of the
// medians, the time spent writing the records (per page and per event) and Redis bytes per alarm of the records.
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { alarmDeliveryProjection } from '../src/application/alarms/alarm-delivery-projection.js';
import type { AlarmSink } from '../src/application/ports/alarm-sink.js';
import { WebhookAlarmSink } from '../src/infrastructure/alarm-sinks/webhook-alarm-sink.js';
import { ProjectionRunner } from '../src/application/projections/projection-runner.js';
import { alarmStream } from '../src/domain/alarms/alarm-events.js';
import { RedisDeliveryDeadLetters, RedisSinkSwitch } from '../src/infrastructure/redis/redis-delivery-control.js';
import { RedisDeliveryRecords } from '../src/infrastructure/redis/redis-delivery-records.js';
import { RedisEventStore } from '../src/infrastructure/redis/redis-event-store.js';
import { RedisLease } from '../src/infrastructure/redis/redis-lease.js';
import { RedisProjectionCheckpoints } from '../src/infrastructure/redis/redis-projection-checkpoints.js';
import { newWebhookSecret } from '../test/support/alarm-chain.js';
import { SignedReceiver } from '../test/support/signed-receiver.js';
import { alarmLife, alarmView } from './support/alarm-events.js';
import { startPrivateRedis } from './support/private-redis.js';

const { values } = parseArgs({ options: { alarms: { type: 'string', default: '2000' }, rounds: { type: 'string', default: '3' }, sink: { type: 'string', default: 'instant' } } });
const alarms = Number(values.alarms);
const rounds = Number(values.rounds);
const secret = newWebhookSecret();
const receiver = new SignedReceiver(secret);
const webhook = values.sink === 'webhook'
  ? new WebhookAlarmSink({ url: await receiver.start(), secret, timeoutMs: 5_000, source: 'urn:aiops-bridge:bench', typePrefix: 'com.example.aiops' })
  : undefined;
const server = await startPrivateRedis(fileURLToPath(new URL('../deploy/local/redis.conf', import.meta.url)));
const redis = new Redis(server.url);
try {
  const keyPrefix = 'bench:';
  const store = new RedisEventStore(redis, { keyPrefix });
  const deps = { store, checkpoints: new RedisProjectionCheckpoints(redis, { keyPrefix }), lease: new RedisLease(redis, { keyPrefix }) };
  const control = { deadLetters: new RedisDeliveryDeadLetters(redis, { keyPrefix }), sinkSwitch: new RedisSinkSwitch(redis, { keyPrefix }) };
  const redisRecords = new RedisDeliveryRecords(redis, { keyPrefix, maxPerAlarm: 200, ttlMs: 30 * 86_400_000 });
  // Time spent in the record writes themselves: steadier on a loaded machine than the difference of two rates.
  let writeMs = 0;
  let writes = 0;
  const records = {
    forAlarm: (id: string) => redisRecords.forAlarm(id),
    record: async (page: Parameters<RedisDeliveryRecords['record']>[0]) => {
      const t = performance.now();
      await redisRecords.record(page);
      writeMs += performance.now() - t;
      writes++;
    },
  };
  const log = pino({ level: 'warn' });
  for (let n = 0; n < alarms; n += 200) {
    await Promise.all(Array.from({ length: Math.min(200, alarms - n) }, (_, i) => store.appendToStream(alarmStream(alarmView(n + i, 'firing', 0).id), alarmLife(n + i), { expectedStreamVersion: 0 })));
  }
  const events = alarms * 3;
  const run = async (sinkName: string, withRecords: boolean): Promise<number> => {
    const sink: AlarmSink = { name: sinkName, deliver: webhook ? (e) => webhook.deliver(e) : async () => ({ kind: 'delivered' }) };
    const projection = alarmDeliveryProjection({ sink, ...control, ...(withRecords ? { records } : {}), backoff: { baseMs: 100, maxMs: 1_000 }, log });
    const runner = new ProjectionRunner({ projection: projection as never, ...deps, owner: sinkName, log, pageSize: 100 });
    const t = performance.now();
    if (!(await runner.catchUp(600_000))) throw new Error(`${sinkName} did not catch up`);
    return events / ((performance.now() - t) / 1000);
  };
  const off: number[] = [];
  const on: number[] = [];
  let recordBytes = 0;
  for (let r = 0; r < rounds; r++) {
    off.push(await run(`off-${r}`, false));
    const before = await usedMemory(redis);
    on.push(await run(`on-${r}`, true));
    recordBytes = (await usedMemory(redis)) - before;
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  console.log(JSON.stringify({
    bench: 'delivery-records',
    sink: webhook ? 'webhook' : 'instant',
    alarms,
    events,
    page_size: 100,
    without_records_events_per_s: off.map(Math.round),
    with_records_events_per_s: on.map(Math.round),
    slowdown_pct: +((1 - median(on) / median(off)) * 100).toFixed(1),
    record_write_ms_per_page: +(writeMs / writes).toFixed(2),
    record_write_us_per_event: +((writeMs * 1000) / (events * rounds)).toFixed(1),
    record_bytes_per_alarm: Math.round(recordBytes / alarms),
  }));
} finally {
  redis.disconnect();
  await server.stop();
  if (webhook) await receiver.close();
}

async function usedMemory(r: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await r.info('memory'))?.[1] ?? 0);
}
