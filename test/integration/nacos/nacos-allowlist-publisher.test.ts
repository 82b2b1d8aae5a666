import { afterAll, describe, expect, it } from 'vitest';
import { contentMd5 } from '../../../src/infrastructure/nacos/nacos-client.js';
import { allowlistLockKey } from '../../../src/infrastructure/redis/metric-keys.js';
import { redisForTest } from '../../support/redis-test.js';
import { allowlist, group, newDataId, publisher } from './nacos-fixtures.js';

const { redis, prefix, cleanup } = redisForTest('nacos-publisher');
afterAll(cleanup);

describe('when the config does not exist yet', () => {
  it('reads as null, and a write expecting "absent" creates it', async () => {
    const pub = publisher(newDataId(), redis, prefix);
    expect(await pub.getAllowlist()).toBeNull();
    expect(await pub.publishIfUnchanged(allowlist(1), null)).toEqual({ status: 'published', md5: contentMd5(allowlist(1)) });
    expect(await pub.getAllowlist()).toEqual({ text: allowlist(1), md5: contentMd5(allowlist(1)) });
    pub.close();
  });
});

describe('when the writer read an older version', () => {
  it('answers conflict with the current md5 and leaves the config alone', async () => {
    const pub = publisher(newDataId(), redis, prefix);
    const { md5: v1 } = await pub.publishAllowlist(allowlist(1));
    await pub.publishAllowlist(allowlist(2));

    expect(await pub.publishIfUnchanged(allowlist(3), v1)).toEqual({ status: 'conflict', currentMd5: contentMd5(allowlist(2)) });
    expect((await pub.getAllowlist())?.text).toBe(allowlist(2));
    pub.close();
  });
});

describe('when two writers race from the same version', () => {
  it('publishes exactly one and tells the other it conflicted', async () => {
    const dataId = newDataId();
    const [a, b] = [publisher(dataId, redis, prefix), publisher(dataId, redis, prefix)];
    const { md5: base } = await a.publishAllowlist(allowlist(1));

    const results = await Promise.all([a.publishIfUnchanged(allowlist(2), base), b.publishIfUnchanged(allowlist(3), base)]);
    expect(results.map((r) => r.status).sort()).toEqual(['conflict', 'published']);
    const winner = results.find((r) => r.status === 'published') as { md5: string };
    expect((await a.getAllowlist())?.md5).toBe(winner.md5);
    expect(await redis.exists(allowlistLockKey(prefix, group, dataId))).toBe(0); // the lock was released
    a.close();
    b.close();
  });
});

describe('when another writer holds the lock for too long', () => {
  it('gives up with busy instead of writing', async () => {
    const dataId = newDataId();
    await redis.set(allowlistLockKey(prefix, group, dataId), 'someone-else', 'PX', 5000);
    const pub = publisher(dataId, redis, prefix, { lockWaitMs: 200 });
    expect(await pub.publishIfUnchanged(allowlist(1), null)).toEqual({ status: 'busy' });
    expect(await pub.getAllowlist()).toBeNull();
    pub.close();
  });
});
