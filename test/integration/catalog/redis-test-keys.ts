import { Redis } from 'ioredis';
import { services, uniqueSuffix } from '../../support/services.js';

/** A Redis connection and a random key prefix for one suite; `cleanup` deletes every key under the prefix. */
export const redisForTest = (name: string): { redis: Redis; prefix: string; cleanup: () => Promise<void> } => {
  const redis = new Redis(services.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const prefix = `test:${name}:${uniqueSuffix()}`;
  const cleanup = async (): Promise<void> => {
    // Catalog keys start with a hash tag `{prefix:…}`, hence the leading wildcard.
    for await (const keys of redis.scanStream({ match: `*${prefix}*`, count: 500 })) {
      if ((keys as string[]).length) await redis.del(...(keys as string[]));
    }
    redis.disconnect();
  };
  return { redis, prefix, cleanup };
};
