import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Sim, engineErrorOf, engineFor, points, recordingProxy, startSim } from './support.js';

type Proxy = Awaited<ReturnType<typeof recordingProxy>>;
const batchRequests = (proxy: Proxy) => proxy.seen.filter((r) => r.path.startsWith('/api/v1/metrics/batch'));

describe('数智慧 adapter: pushing metrics', () => {
  let sim: Sim;
  let proxy: Proxy;
  beforeAll(async () => {
    sim = await startSim();
    proxy = await recordingProxy(sim.url);
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });
  afterEach(() => {
    proxy.seen.length = 0;
    proxy.control.drop = () => false;
  });

  describe('when a push is larger than 5000 items', () => {
    it('sends 12,001 points as 3 gzip requests with ids derived from the request id', async () => {
      const engine = engineFor(proxy.url);
      try {
        const before = await sim.report();
        expect(await engine.pushMetrics(points(12_001, 'split.items'), 'job-12001')).toEqual({ accepted: 12_001 });
        const after = await sim.report();
        expect(after.batchesAccepted - before.batchesAccepted).toBe(3);
        expect(after.pointsReceived - before.pointsReceived).toBe(12_001);
        const sent = batchRequests(proxy);
        expect(sent.map((r) => r.headers['x-request-id'])).toEqual(['job-12001:0', 'job-12001:1', 'job-12001:2']);
        for (const r of sent) expect(r.headers['content-encoding']).toBe('gzip');
      } finally {
        await engine.close();
      }
    });
  });

  describe('at another gzip level', () => {
    it('sends the same points at level 9 in fewer bytes than at the default level 1, and the engine takes both', async () => {
      const fast = engineFor(proxy.url);
      const small = engineFor(proxy.url, { gzipLevel: 9 });
      try {
        expect(await fast.pushMetrics(points(5_000, 'level.one'), 'level-1')).toEqual({ accepted: 5_000 });
        expect(await small.pushMetrics(points(5_000, 'level.nine'), 'level-9')).toEqual({ accepted: 5_000 });
        const [one, nine] = batchRequests(proxy).slice(-2);
        expect(one?.headers['content-encoding']).toBe('gzip');
        expect(nine?.headers['content-encoding']).toBe('gzip');
        expect(nine!.bytes).toBeLessThan(one!.bytes);
      } finally {
        await fast.close();
        await small.close();
      }
    });

    it('refuses a level outside 1-9, naming it', () => {
      expect(() => engineFor(proxy.url, { gzipLevel: 0 })).toThrow(/gzipLevel must be an integer from 1 to 9, got 0/);
    });
  });

  describe('when gzip is off', () => {
    it('sends plain JSON, which the engine accepts too', async () => {
      const engine = engineFor(proxy.url, { gzip: false });
      try {
        expect(await engine.pushMetrics(points(100, 'plain.json'), 'plain-1')).toEqual({ accepted: 100 });
        const [sent] = batchRequests(proxy);
        expect(sent?.headers['content-encoding']).toBeUndefined();
        expect(sent?.headers['content-type']).toBe('application/json');
      } finally {
        await engine.close();
      }
    });
  });

  describe('when the points are few but large', () => {
    it('splits at 4 MiB of JSON, and the engine takes every request', async () => {
      const engine = engineFor(proxy.url, { gzip: false });
      const big = points(2_500, 'split.bytes').map((p, i) => ({ ...p, tags: { host: `h${i}`, note: 'x'.repeat(3_000) } }));
      try {
        expect(await engine.pushMetrics(big, 'bytes-1')).toEqual({ accepted: 2_500 });
        const sent = batchRequests(proxy);
        expect(sent.length).toBeGreaterThanOrEqual(2);
        for (const r of sent) expect(r.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
      } finally {
        await engine.close();
      }
    });
  });

  describe('when the engine refuses a chunk as too large although it is within the configured limits', () => {
    it('halves it and sends both halves with derived ids', async () => {
      const engine = engineFor(proxy.url, { maxItemsPerRequest: 8_000 });
      try {
        expect(await engine.pushMetrics(points(8_000, 'split.halve'), 'halve-1')).toEqual({ accepted: 8_000 });
        expect(batchRequests(proxy).map((r) => r.headers['x-request-id'])).toEqual(['halve-1:0', 'halve-1:0.0', 'halve-1:0.1']);
      } finally {
        await engine.close();
      }
    });
  });

  describe('when a push failed half-way and is retried with the same request id', () => {
    it('does not send the chunks the engine already accepted again', async () => {
      const engine = engineFor(proxy.url);
      let dropped = 0;
      proxy.control.drop = (r) => r.headers['x-request-id'] === 'retry-1:1' && dropped++ === 0;
      try {
        const before = await sim.report();
        expect(await engineErrorOf(engine.pushMetrics(points(12_001, 'retry.push'), 'retry-1'))).toMatchObject({ kind: 'unavailable', retryable: true });
        expect(await engine.pushMetrics(points(12_001, 'retry.push'), 'retry-1')).toEqual({ accepted: 12_001 });
        const after = await sim.report();
        expect(after.pointsReceived - before.pointsReceived).toBe(12_001);
        expect(after.repeatedRequestIds - before.repeatedRequestIds).toBe(0);
        expect(batchRequests(proxy).map((r) => r.headers['x-request-id'])).toEqual(['retry-1:0', 'retry-1:1', 'retry-1:1', 'retry-1:2']);
      } finally {
        await engine.close();
      }
    });

    it('is recognisable by the engine when another replica repeats it', async () => {
      const a = engineFor(sim.url);
      const b = engineFor(sim.url);
      try {
        const before = await sim.report();
        await a.pushMetrics(points(6_000, 'retry.replica'), 'replica-1');
        await b.pushMetrics(points(6_000, 'retry.replica'), 'replica-1');
        expect((await sim.report()).repeatedRequestIds - before.repeatedRequestIds).toBe(2);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
