/**
 * Event store throughput and memory (RedisEventStore, one Lua script per append):
 * - appends/s, one event per append: sequential (one appender), and N concurrent appenders over C connections
 *   (ioredis pipelines the in-flight scripts of one connection); each appender writes its own alarm streams with
 *   an expected version, as the command handler does;
 * - batched: events/s with B events per append (4 concurrent appenders);
 * - projection catch-up: readCategory from the start in pages of 1,000, every event decoded (JSON.parse);
 * - Redis memory per 100,000 events (alarm streams of 3 events with realistic alarm data) and per 10,000 alarms
 *   (10,000 streams × raised/updated/resolved): MEMORY USAGE summed over the bench's keys, and INFO used_memory.
 * Besides wall-clock rates it prints CPU per operation (the bench process's, and Redis's from INFO cpu), which a
 * busy shared machine distorts far less than wall time. By default it runs on a private redis-server started with
 * deploy/local/redis.conf (`--redis shared` uses the shared one, under its own key prefix, cleaned up afterwards).
 *
 * Run: `npm run bench -- eventstore [--events 100000] [--appenders 64] [--connections 8] [--batch 100]`.
 * Last line: one JSON object.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { DomainEvent, EventStore, RecordedEvent } from '../src/application/ports/event-store.js';
import type { AlarmEvent } from '../src/domain/alarms/alarm-events.js';
import { RedisEventStore } from '../src/infrastructure/redis/redis-event-store.js';
import { services, uniqueSuffix } from '../test/support/services.js';
import { alarmLife, pollMetadata } from './support/alarm-events.js';
import { servicesUp } from './support/bridge-process.js';
import { startPrivateRedis, type PrivateRedis } from './support/private-redis.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    appenders: { type: 'string', default: '64' },
    connections: { type: 'string', default: '8' },
    batch: { type: 'string', default: '100' },
    sequential: { type: 'string', default: '3000' },
    redis: { type: 'string', default: 'private' },
    'auto-pipelining': { type: 'string', default: 'on' },
  },
});
const EVENTS = Number(args.events);
const APPENDERS = Number(args.appenders);
const CONNECTIONS = Number(args.connections);
const BATCH = Number(args.batch);
const SEQUENTIAL = Number(args.sequential);
const PIPELINE = args['auto-pipelining'] === 'on';
const err = (line: string): boolean => process.stderr.write(`${line}\n`);
const round = (n: number): number => Math.round(n);

let privateRedis: PrivateRedis | undefined;
let url: string = services.redisUrl;
if (args.redis === 'private') {
  privateRedis = await startPrivateRedis(fileURLToPath(new URL('../deploy/local/redis.conf', import.meta.url)));
  url = privateRedis.url;
} else {
  servicesUp('redis');
}
const prefix = `bench:es:${uniqueSuffix()}:`;
const redis = new Redis(url);
// Auto-pipelining: the scripts that concurrent appenders issue in one tick leave in one socket write.
const connections = Array.from({ length: CONNECTIONS }, () => new Redis(url, { enableAutoPipelining: PIPELINE }));
const stores = connections.map((c) => new RedisEventStore(c, { keyPrefix: prefix }));
const store = new RedisEventStore(redis, { keyPrefix: prefix });

const info = async (section: string, field: string): Promise<number> =>
  Number(new RegExp(`${field}:([\\d.]+)`).exec(await redis.info(section))?.[1]);
const redisCpuS = async (): Promise<number> => (await info('cpu', 'used_cpu_user')) + (await info('cpu', 'used_cpu_sys'));

/** Runs `work` (which returns how many operations it did) and measures wall time and both CPUs. */
async function measure(name: string, work: () => Promise<number>) {
  const redis0 = await redisCpuS();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ops = await work();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const redisS = (await redisCpuS()) - redis0;
  const result = {
    perS: round(ops / wallS),
    clientCpuUsPerOp: round(((cpu.user + cpu.system) / ops) * 10) / 10,
    redisCpuUsPerOp: round(((redisS * 1e6) / ops) * 10) / 10,
  };
  err(`${name}: ${result.perS}/s over ${ops} (client ${result.clientCpuUsPerOp} µs, redis ${result.redisCpuUsPerOp} µs CPU per op)`);
  return result;
}

interface Life {
  readonly stream: string;
  readonly events: readonly DomainEvent[];
}

/** Alarm lives built before the clock starts: the rates measure the store, not the fixture. */
const lives = (category: string, alarms: number): Life[] =>
  Array.from({ length: alarms }, (_, n) => {
    const life = alarmLife(n);
    const metadata = pollMetadata();
    // Named as alarm streams are (`alarm-<64-hex fingerprint>`), in the bench's own category.
    return { stream: `${category}-${life[0]!.data.alarm.id}`, events: life.map((e) => ({ ...e, metadata })) };
  });

/** Each alarm's three events appended one per append with their expected versions, by concurrent loops. */
async function appendLives(all: readonly Life[], appenders: number, through: EventStore[]): Promise<number> {
  let next = 0;
  await Promise.all(
    Array.from({ length: appenders }, async (_, a) => {
      const s = through[a % through.length]!;
      for (let n = next++; n < all.length; n = next++) {
        const { stream, events } = all[n]!;
        for (const [v, event] of events.entries()) await s.appendToStream(stream, [event], { expectedStreamVersion: v });
      }
    }),
  );
  return all.length * 3;
}

async function bytesUnder(category: string): Promise<number> {
  let total = 0;
  for await (const keys of redis.scanStream({ match: `{${prefix}${category}}*`, count: 1000 })) {
    for (const key of keys as string[]) total += Number(await redis.memory('USAGE', key, 'SAMPLES', 0));
  }
  return total;
}

try {
  const seqLives = lives('seq', Math.ceil(SEQUENTIAL / 3));
  const sequential = await measure('sequential appends', () => appendLives(seqLives, 1, [store]));

  // The 100,000-event data set: memory and catch-up are measured on it.
  const alarms = Math.ceil(EVENTS / 3);
  const loadLives = lives('load', alarms);
  const memBefore = await info('memory', 'used_memory');
  const concurrent = await measure(`concurrent appends (${APPENDERS} appenders, ${CONNECTIONS} connections)`, () =>
    appendLives(loadLives, APPENDERS, stores),
  );
  const memDelta = (await info('memory', 'used_memory')) - memBefore;
  const loadBytes = await bytesUnder('load');

  const batches = Math.ceil(20_000 / BATCH);
  const batchEvents = Array.from({ length: batches }, (_, i) =>
    Array.from({ length: BATCH }, (_, k) => loadLives[(i * BATCH + k) % loadLives.length]!.events[k % 3]!),
  );
  const batched = await measure(`batched appends (${BATCH} events each), events`, async () => {
    let b = 0;
    await Promise.all(
      stores.slice(0, 4).map(async (s) => {
        for (let i = b++; i < batches; i = b++) await s.appendToStream(`batch-${i}`, batchEvents[i]!, { expectedStreamVersion: 'no_stream' });
      }),
    );
    return batches * BATCH;
  });

  let checksum = 0;
  const catchUp = await measure('catch-up, events', async () => {
    let read = 0;
    for (let after: string | null = null; ; ) {
      const page: RecordedEvent<AlarmEvent>[] = await store.readCategory<AlarmEvent>('load', { after, maxCount: 1000 });
      if (page.length === 0) break;
      for (const e of page) checksum += e.data.alarm.value ?? 0;
      read += page.length;
      after = page.at(-1)!.position;
    }
    if (read !== alarms * 3) throw new Error(`catch-up read ${read} events, expected ${alarms * 3}`);
    return read;
  });

  await appendLives(lives('tenk', 10_000), APPENDERS, stores);
  const tenKBytes = await bytesUnder('tenk');
  const tenKLogBytes = Number(await redis.memory('USAGE', `{${prefix}tenk}:es:log`, 'SAMPLES', 0));
  const events = alarms * 3;

  console.log(
    JSON.stringify({
      bench: 'eventstore',
      redis: args.redis,
      appends_per_s_sequential: sequential.perS,
      appends_per_s_concurrent: concurrent.perS,
      concurrent_appenders: APPENDERS,
      connections: CONNECTIONS,
      auto_pipelining: PIPELINE,
      batched_events_per_s: batched.perS,
      batch_size: BATCH,
      catch_up_events_per_s: catchUp.perS,
      catch_up_page: 1000,
      events,
      redis_cpu_us_per_append: concurrent.redisCpuUsPerOp,
      client_cpu_us_per_append: concurrent.clientCpuUsPerOp,
      redis_cpu_us_per_batched_event: batched.redisCpuUsPerOp,
      client_cpu_us_per_batched_event: batched.clientCpuUsPerOp,
      redis_cpu_us_per_caught_up_event: catchUp.redisCpuUsPerOp,
      client_cpu_us_per_caught_up_event: catchUp.clientCpuUsPerOp,
      redis_bytes_per_100k_events: round((loadBytes / events) * 100_000),
      redis_used_memory_delta_per_100k_events: round((memDelta / events) * 100_000),
      redis_bytes_per_10k_alarms: tenKBytes,
      redis_bytes_per_10k_alarms_in_log: tenKLogBytes,
      checksum,
      load_avg_1m_at_end: round(loadavg()[0]! * 10) / 10,
      node: process.version,
    }),
  );
} finally {
  for await (const keys of redis.scanStream({ match: `{${prefix}*`, count: 1000 })) {
    if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
  }
  for (const c of connections) c.disconnect();
  redis.disconnect();
  await privateRedis?.stop();
}
