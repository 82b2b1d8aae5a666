import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, login, pointsEnding } from '../../simulator/sim-client.js';
import { startApi, type ApiUnderTest } from './api-harness.js';

const iso = (ms: number): string => encodeURIComponent(new Date(ms).toISOString());

const TREND = 'GET /api/v1/metrics/trend';
const engineTrendCalls = (api: ApiUnderTest): number =>
  Object.values(api.sim.report().requestsPerSecond[TREND] ?? {}).reduce((a, b) => a + b, 0);

/** 60 points a minute apart ending a minute ago, for svc_000.f0 on host a. */
async function seed(api: ApiUnderTest, now: number): Promise<void> {
  const token = await login(api.sim.url);
  const items = pointsEnding('svc_000.f0', { host: 'a' }, now - 60_000, 60_000, Array.from({ length: 60 }, (_, i) => 10 + (i % 5)));
  const res = await call(api.sim.url, 'POST', '/api/v1/metrics/batch', { items }, { token });
  expect(res.body.code).toBe(0);
}

describe('a bridge serving trends from the engine', () => {
  let api: ApiUnderTest;
  let replica: ApiUnderTest;
  const now = Date.now();
  beforeAll(async () => {
    // 100 requests at once from one key: the per-key limit (shared by both replicas) must not be what answers.
    const rateLimit = { points: 10_000, durationSeconds: 1 };
    api = await startApi({ api: { rateLimit, trends: { cacheTtlMs: 60_000, maxPoints: 500, minStepSeconds: 10, maxStepSeconds: 3600 } } });
    await seed(api, now);
    // A second replica on the same Redis prefix, against the same engine.
    replica = await startApi({ redis: api.config.redis, engine: { baseUrl: api.sim.url }, api: { rateLimit, trends: { cacheTtlMs: 60_000 } } });
  });
  afterAll(async () => {
    await replica?.close();
    await api?.close();
  });

  it('answers our schema: ISO times, value/predicted/band per point, forecast flagged after now', async () => {
    const from = new Date(now - 50 * 60_000).toISOString();
    const to = new Date(now + 10 * 60_000).toISOString();
    const r = await api.call('GET', `/api/v1/trends?metric=svc_000.f0&tag.host=a&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&step=60`);
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ metric: 'svc_000.f0', tags: { host: 'a' }, step: 60, from, to });
    const points = r.json.points as { at: string; value: number | null; predicted: number | null; forecast: boolean }[];
    expect(points).toHaveLength(61);
    const past = points.filter((p) => !p.forecast);
    const future = points.filter((p) => p.forecast);
    expect(past.filter((p) => p.value !== null).length).toBeGreaterThan(40);
    expect(past.some((p) => p.predicted !== null)).toBe(true);
    expect(future.length).toBeGreaterThanOrEqual(9);
    expect(future.every((p) => p.value === null && Date.parse(p.at) > now)).toBe(true);
    expect(r.text).not.toMatch(/"(t|v|pred)":/); // none of the engine's field names
  });

  it('costs one engine call for 100 identical requests at once, spread over two replicas', async () => {
    const before = engineTrendCalls(api);
    const path = `/api/v1/trends?metric=svc_000.f0&tag.host=a&from=${iso(now - 3_600_000)}&to=${iso(now)}&step=120`;
    const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 ? replica : api).call('GET', path)));
    expect(replies.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(new Set(replies.map((r) => r.text)).size).toBe(1);
    expect(engineTrendCalls(api) - before).toBe(1);
  });

  describe('when the query is out of bounds', () => {
    const cases: [string, string, string][] = [
      ['from after to', `from=${iso(now)}&to=${iso(now - 60_000)}`, 'query.from'],
      ['a step under the minimum', 'step=5', 'query.step'],
      ['a step over the maximum', 'step=7200', 'query.step'],
      ['more points than allowed', `from=${iso(now - 30 * 86_400_000)}&to=${iso(now)}&step=60`, 'query.step'],
      ['an unknown parameter', 'colour=red', 'query.colour'],
      ['a time that is not ISO-8601', 'from=yesterday', 'query.from'],
    ];
    it.each(cases)('answers 400 naming the field for %s', async (_name, extra, pointer) => {
      const r = await api.call('GET', `/api/v1/trends?metric=svc_000.f0&${extra}`);
      expect(r.status, r.text).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.json.errors.map((e: { pointer: string }) => e.pointer)).toContain(pointer);
    });

    it('answers 400 without a metric', async () => {
      const r = await api.call('GET', '/api/v1/trends');
      expect(r.status).toBe(400);
      expect(r.json.errors[0].pointer).toBe('query.metric');
    });
  });

  it('answers 422 when the engine refuses the query (a tag value it cannot express)', async () => {
    const r = await api.call('GET', '/api/v1/trends?metric=svc_000.f0&tag.host=a,b');
    expect(r.status, r.text).toBe(422);
    expect(r.json.type).toBe('/problems/unprocessable');
  });
});

describe('when the engine is down', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({ breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 30_000, rollingCountTimeoutMs: 10_000 } });
    await api.sim.setFaults({ outage: true, outageMode: 'http503' });
  });
  afterAll(async () => api?.close());

  it('answers 503 with Retry-After, then stops calling the engine once the breaker is open', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await api.call('GET', `/api/v1/trends?metric=m${i}.f`);
      expect(r.status, r.text).toBe(503);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(r.json).toMatchObject({ status: 503, type: '/problems/unavailable' });
    }
    const calls = engineTrendCalls(api);
    const open = await api.call('GET', '/api/v1/trends?metric=other.f');
    expect(open.status).toBe(503);
    expect(Number(open.headers.get('retry-after'))).toBeGreaterThan(1);
    expect(open.json.detail).toMatch(/unavailable/);
    expect(engineTrendCalls(api)).toBe(calls);
  });
});

describe('when engine.paths moves the trend endpoint', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({ engine: { paths: { trend: '/api/v2/metrics/trend' } } });
  });
  afterAll(async () => api?.close());

  it('sends the trend request to the configured path', async () => {
    await api.call('GET', '/api/v1/trends?metric=svc_000.f0');
    const report = api.sim.report().requestsPerSecond;
    expect(report[TREND]).toBeUndefined();
    expect(Object.values(report.OTHER ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  });
});
