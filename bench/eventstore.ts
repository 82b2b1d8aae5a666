/**
 * Event store throughput and memory on the shared Redis (RedisEventStore, one Lua script per append):
 * - appends/s, one event per append: sequential (one appender), and N concurrent appenders over C connections
 *   (ioredis pipelines the in-flight scripts of one connection); each appender writes its own alarm streams with
 *   an expected version, as the command handler does;
 * - batched: events/s with B events per append;
 * - projection catch-up: readCategory from the start in pages of 1,000, every event decoded (JSON.parse);
 * - Redis memory per 100,000 events (alarm streams of 3 events with realistic alarm data) and per 10,000 alarms
 *   (10,000 streams × raised/updated/resolved): MEMORY USAGE summed over the bench's own keys (exact), and the
 *   INFO used_memory delta (noisy: the Redis is shared).
 * Everything lives under its own key prefix and is deleted afterwards.
 *
 * Run: `npm run bench -- eventstore [--events 100000] [--appenders 64] [--connections 8] [--batch 100]`.
 * Last line: one JSON object.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { EventStore, RecordedEvent } from '../src/application/ports/event-store.js';
import type { AlarmEvent } from '../src/domain/alarms/alarm-events.js';
import { RedisEventStore } from '../src/infrastructure/redis/redis-event-store.js';
import { services, uniqueSuffix } from '../test/support/services.js';
import { alarmLife, pollMetadata } from './support/alarm-events.js';
import { servicesUp } from './support/bridge-process.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    appenders: { type: 'string', default: '64' },
    connections: { type: 'string', default: '8' },
    batch: { type: 'string', default: '100' },
    sequential: { type: 'string', default: '3000' },
  },
});
const EVENTS = Number(args.events);
const APPENDERS = Number(args.appenders);
const CONNECTIONS = Number(args.connections);
const BATCH = Number(args.batch);
const SEQUENTIAL = Number(args.sequential);
const err = (line: string): boolean => process.stderr.write(`${line}\n`);

servicesUp('redis');
const prefix = `bench:es:${uniqueSuffix()}:`;
const redis = new Redis(services.redisUrl);
const connections = Array.from({ length: CONNECTIONS }, () => new Redis(services.redisUrl));
const stores = connections.map((c) => new RedisEventStore(c, { keyPrefix: prefix }));
const store = new RedisEventStore(redis, { keyPrefix: prefix });
const round = (n: number): number => Math.round(n);

/** Alarm n's events appended one per append with their expected versions, by `appenders` concurrent loops. */
async function appendLives(category: string, alarms: number, appenders: number, through: EventStore[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: appenders }, async (_, a) => {
      const s = through[a % through.length]!;
      for (let n = next++; n < alarms; n = next++) {
        // Named as alarm streams are (`alarm-<64-hex fingerprint>`), in the bench's own category.
        const life = alarmLife(n);
        const stream = `${category}-${life[0]!.data.alarm.id}`;
        const metadata = pollMetadata();
        for (const [v, event] of life.entries()) {
          await s.appendToStream(stream, [{ ...event, metadata }], { expectedStreamVersion: v });
        }
      }
    }),
  );
  return (alarms * 3) / ((performance.now() - started) / 1000);
}

async function bytesUnder(category: string): Promise<number> {
  let total = 0;
  for await (const keys of redis.scanStream({ match: `{${prefix}${category}}*`, count: 1000 })) {
    for (const key of keys as string[]) total += Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
  }
  return total;
}

const usedMemory = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

try {
  // 1. Sequential single appends (one appender, one connection).
  const seqPerS = await appendLives('seq', Math.ceil(SEQUENTIAL / 3), 1, [store]);
  err(`sequential: ${round(seqPerS)} appends/s`);

  // 2. Concurrent single appends, writing the 100,000-event data set that memory and catch-up are measured on.
  const memBefore = await usedMemory();
  const alarms = Math.ceil(EVENTS / 3);
  const concPerS = await appendLives('load', alarms, APPENDERS, stores);
  const memAfter = await usedMemory();
  const loadBytes = await bytesUnder('load');
  err(`concurrent: ${round(concPerS)} appends/s (${APPENDERS} appenders, ${CONNECTIONS} connections)`);

  // 3. Batched appends: BATCH events per append, 4 concurrent appenders.
  const batches = Math.ceil(20_000 / BATCH);
  const batchStart = performance.now();
  let b = 0;
  await Promise.all(
    stores.slice(0, 4).map(async (s) => {
      for (let i = b++; i < batches; i = b++) {
        const events = Array.from({ length: BATCH }, (_, k) => alarmLife(i * BATCH + k)[k % 3]!);
        await s.appendToStream(`batch-${i}`, events, { expectedStreamVersion: 'no_stream' });
      }
    }),
  );
  const batchedPerS = (batches * BATCH) / ((performance.now() - batchStart) / 1000);
  err(`batched: ${round(batchedPerS)} events/s (${BATCH} per append)`);

  // 4. Projection catch-up over the data set.
  const catchStart = performance.now();
  let read = 0;
  let checksum = 0;
  for (let after: string | null = null; ; ) {
    const page: RecordedEvent<AlarmEvent>[] = await store.readCategory<AlarmEvent>('load', { after, maxCount: 1000 });
    if (page.length === 0) break;
    for (const e of page) checksum += e.data.alarm.value ?? 0;
    read += page.length;
    after = page.at(-1)!.position;
  }
  const catchUpPerS = read / ((performance.now() - catchStart) / 1000);
  if (read !== alarms * 3) throw new Error(`catch-up read ${read} events, expected ${alarms * 3}`);
  err(`catch-up: ${round(catchUpPerS)} events/s (${read} events, checksum ${checksum})`);

  // 5. 10,000 alarms × 3 events, for the retention section.
  await appendLives('tenk', 10_000, APPENDERS, stores);
  const tenKBytes = await bytesUnder('tenk');
  const logBytes = Number(await redis.memory('USAGE', `{${prefix}tenk}:es:log`, 'SAMPLES', 0));

  console.log(
    JSON.stringify({
      bench: 'eventstore',
      appends_per_s_sequential: round(seqPerS),
      appends_per_s_concurrent: round(concPerS),
      concurrent_appenders: APPENDERS,
      connections: CONNECTIONS,
      batched_events_per_s: round(batchedPerS),
      batch_size: BATCH,
      catch_up_events_per_s: round(catchUpPerS),
      catch_up_page: 1000,
      events: read,
      redis_bytes_per_100k_events: round((loadBytes / read) * 100_000),
      redis_used_memory_delta_per_100k_events: round(((memAfter - memBefore) / read) * 100_000),
      redis_bytes_per_10k_alarms: tenKBytes,
      redis_bytes_per_10k_alarms_log_share: logBytes,
      bytes_per_event: round(loadBytes / read),
      node: process.version,
    }),
  );
} finally {
  for await (const keys of redis.scanStream({ match: `{${prefix}*`, count: 1000 })) {
    if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
  }
  for (const c of connections) c.disconnect();
  redis.disconnect();
}
