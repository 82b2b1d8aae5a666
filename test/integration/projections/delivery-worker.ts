// A replica running only the delivery projection, for the kill -9 drill: `tsx delivery-worker.ts <json>`.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { alarmDeliveryProjection } from '../../../src/application/alarms/alarm-delivery-projection.js';
import { ProjectionRunner } from '../../../src/application/projections/projection-runner.js';
import { RedisDeliveryDeadLetters, RedisSinkSwitch } from '../../../src/infrastructure/redis/redis-delivery-control.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { RedisLease } from '../../../src/infrastructure/redis/redis-lease.js';
import { RedisProjectionCheckpoints } from '../../../src/infrastructure/redis/redis-projection-checkpoints.js';
import { listSink } from './list-sink.js';

interface WorkerConfig {
  redisUrl: string;
  prefix: string;
  listKey: string;
  who: string;
  delayMs: number;
}
const { redisUrl, prefix, listKey, who, delayMs } = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const redis = new Redis(redisUrl);
const log = pino({ level: 'warn' }, pino.destination(2));
const runner = new ProjectionRunner({
  projection: alarmDeliveryProjection({
    sink: listSink(redis, listKey, who, { delayMs }),
    deadLetters: new RedisDeliveryDeadLetters(redis, { keyPrefix: prefix }),
    sinkSwitch: new RedisSinkSwitch(redis, { keyPrefix: prefix }),
    backoff: { baseMs: 100, maxMs: 1_000 },
    log,
  }) as never,
  store: new RedisEventStore(redis, { keyPrefix: prefix }),
  checkpoints: new RedisProjectionCheckpoints(redis, { keyPrefix: prefix }),
  lease: new RedisLease(redis, { keyPrefix: prefix }),
  owner: who,
  log,
  pageSize: 20,
  onOwnership: (owned) => owned && console.log('owner'),
});
runner.start();
console.log('ready');
