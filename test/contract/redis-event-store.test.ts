import { Redis } from 'ioredis';
import { RedisEventStore } from '../../src/infrastructure/redis/redis-event-store.js';
import { RedisProjectionCheckpoints } from '../../src/infrastructure/redis/redis-projection-checkpoints.js';
import { redisForTest } from '../support/redis-test.js';
import { services } from '../support/services.js';
import { describeEventStoreContract } from './event-store.contract.js';
import { describeCheckpointsContract } from './projection-checkpoints.contract.js';

/** Every extra client gets its own connection, so concurrent writers really race on the server. */
const subject = <T>(name: string, make: (redis: Redis, keyPrefix: string) => T) => {
  const { redis, prefix, cleanup } = redisForTest(name);
  const keyPrefix = `${prefix}:`;
  const extra: Redis[] = [];
  return {
    first: make(redis, keyPrefix),
    connect: async (): Promise<T> => {
      const other = new Redis(services.redisUrl);
      extra.push(other);
      return make(other, keyPrefix);
    },
    close: async (): Promise<void> => {
      for (const r of extra) r.disconnect();
      await cleanup();
    },
  };
};

describeEventStoreContract('RedisEventStore', async () => {
  const s = subject('es', (redis, keyPrefix) => new RedisEventStore(redis, { keyPrefix }));
  return { store: s.first, connect: s.connect, close: s.close };
});

describeCheckpointsContract('RedisProjectionCheckpoints', async () => {
  const s = subject('cp', (redis, keyPrefix) => new RedisProjectionCheckpoints(redis, { keyPrefix }));
  return { checkpoints: s.first, connect: s.connect, close: s.close };
});
