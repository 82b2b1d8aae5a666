import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { services, uniqueSuffix } from './services.js';

async function deleteMatching(redis: Redis, pattern: string): Promise<void> {
  for await (const keys of redis.scanStream({ match: pattern, count: 500 })) {
    if ((keys as string[]).length) await redis.del(...(keys as string[]));
  }
}

/** A Redis connection and a random key prefix for one suite; `cleanup` deletes every key under the prefix. */
export const redisForTest = (name: string): { redis: Redis; prefix: string; cleanup: () => Promise<void> } => {
  const redis = new Redis(services.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const prefix = `test:${name}:${uniqueSuffix()}`;
  const cleanup = async (): Promise<void> => {
    // Catalog keys start with a hash tag `{prefix:…}`, hence the leading wildcard.
    await deleteMatching(redis, `*${prefix}*`);
    redis.disconnect();
  };
  return { redis, prefix, cleanup };
};

/**
 * For suites that need many prefixes: one connection opened before the suite, a fresh prefix per call of
 * `newPrefix()`, and every key under every prefix deleted after the suite.
 */
export function useRedisPrefixes(name: string): { readonly redis: Redis; newPrefix(): string } {
  let redis: Redis | undefined;
  const prefixes: string[] = [];
  beforeAll(() => {
    redis = new Redis(services.redisUrl);
  });
  afterAll(async () => {
    if (!redis) return;
    // A leading wildcard too: hash-tagged keys (`{<prefix>alarm}:es:log`, `{<prefix>alarm-view}:…`) start with '{'.
    for (const prefix of prefixes) await deleteMatching(redis, `*${prefix}*`);
    redis.disconnect();
  });
  return {
    get redis(): Redis {
      if (!redis) throw new Error('useRedisPrefixes: the connection opens in beforeAll');
      return redis;
    },
    newPrefix(): string {
      const prefix = `test:${name}:${uniqueSuffix()}:`;
      prefixes.push(prefix);
      return prefix;
    },
  };
}
