import { useRedisPrefixes } from '../../support/redis-test.js';
import { describe, expect, it } from 'vitest';
import { createInMemoryBreakerStore } from '../../../src/application/engine-guard/in-memory-breaker-store.js';
import type { SharedBreakerStore } from '../../../src/application/ports/engine-breaker.js';
import { createRedisBreakerStore } from '../../../src/infrastructure/redis/redis-shared-breaker.js';

const shared = useRedisPrefixes('breaker-contract');

// Open periods and the probe lease are long enough that a slow round trip on a loaded 2-core CI machine (a fresh
// clone once saw the 100-ms open period lapse between two calls) cannot make a step see the next state early.
const LEASE_MS = 1000;
const OPEN_MS = 400;
const implementations: [string, () => SharedBreakerStore][] = [
  ['in-memory', () => createInMemoryBreakerStore(LEASE_MS)],
  [
    'redis',
    () => {
      return createRedisBreakerStore(shared.redis, { keyPrefix: shared.newPrefix(), probeLeaseMs: LEASE_MS });
    },
  ],
];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.each(implementations)('%s breaker store', (_name, create) => {
  it('goes closed → open → half-open with a single probe lease → open again → closed', async () => {
    const store = create();
    expect(await store.check('a')).toEqual({ state: 'closed' });
    await store.trip(OPEN_MS);
    await store.trip(10_000); // already open: does not extend
    const open = await store.check('a');
    expect(open).toMatchObject({ state: 'open' });
    expect(open.state === 'open' && open.retryAfterMs).toBeLessThanOrEqual(OPEN_MS);
    await sleep(OPEN_MS + 10);
    expect(await store.check()).toEqual({ state: 'half_open', probe: false, retryAfterMs: 0 });
    expect(await store.check('a')).toEqual({ state: 'half_open', probe: true, retryAfterMs: 0 });
    expect(await store.check('b')).toMatchObject({ state: 'half_open', probe: false });
    await store.settleProbe('a', false, OPEN_MS);
    expect(await store.check('b')).toMatchObject({ state: 'open' });
    await sleep(OPEN_MS + 10);
    expect(await store.check('b')).toMatchObject({ state: 'half_open', probe: true });
    await store.settleProbe('b', true, OPEN_MS);
    expect(await store.check('c')).toEqual({ state: 'closed' });
  });

  it('frees the probe lease after its TTL when the prober never settles', async () => {
    const store = create();
    await store.trip(20);
    await sleep(30);
    expect(await store.check('crashed')).toMatchObject({ probe: true });
    expect(await store.check('b')).toMatchObject({ probe: false });
    await sleep(LEASE_MS + 10);
    expect(await store.check('b')).toMatchObject({ probe: true });
  });
});
