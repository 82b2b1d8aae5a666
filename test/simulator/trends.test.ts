import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineSimulator, type RunningSimulator } from './index.js';
import { call, login, pointsEnding } from './sim-client.js';
import type { TrendPoint } from './trends.js';

type Trend = { metric: string; points: TrendPoint[] };

describe('the trend endpoint', () => {
  let s: RunningSimulator;
  let token: string;
  const stepS = 60;
  // Align "now" to a step so bucket arithmetic in the assertions is exact.
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  const trend = (query: string) => call<Trend>(s.url, 'GET', `/api/v1/metrics/trend?${query}`, undefined, { token });

  beforeAll(async () => {
    s = await startEngineSimulator();
    token = await login(s.url);
    // Two hours of a slow sine for web-1, one bucket left empty; a flat 5 for web-2 in the same metric.
    const values = Array.from({ length: 120 }, (_, i) => 50 + 10 * Math.sin(i / 10));
    const web1 = pointsEnding('cpu.usage_user', { host: 'web-1', dc: 'sh' }, now - 60_000, 60_000, values).filter((_, i) => i !== 100);
    const web2 = pointsEnding('cpu.usage_user', { host: 'web-2', dc: 'sh' }, now - 60_000, 60_000, values.map(() => 5));
    await call(s.url, 'POST', '/api/v1/metrics/batch', { items: [...web1, ...web2] }, { token });
  });
  afterAll(async () => { await s.close(); });

  it('returns actual values, a gap as null, a band around the prediction, and forecast-only future points', async () => {
    const start = now - 60 * 60_000;
    const end = now + 30 * 60_000;
    const res = await trend(`metric=cpu.usage_user&tags=host:web-1,dc:sh&start=${start}&end=${end}&step=${stepS}`);
    expect(res.body.code).toBe(0);
    const { points } = res.body.data;
    expect(points).toHaveLength(91);
    expect(points[0]?.t).toBe(start);
    const past = points.filter((p) => p.t < now);
    const future = points.filter((p) => p.t > now);
    expect(past.filter((p) => p.v === null)).toHaveLength(1);
    for (const p of past) {
      expect(p.pred).not.toBeNull();
      expect(p.upper as number).toBeGreaterThanOrEqual(p.pred as number);
      expect(p.lower as number).toBeLessThanOrEqual(p.pred as number);
    }
    // The model tracks the data: predictions stay near the actual values.
    const withValue = past.filter((p) => p.v !== null);
    const meanError = withValue.reduce((sum, p) => sum + Math.abs((p.v as number) - (p.pred as number)), 0) / withValue.length;
    expect(meanError).toBeLessThan(2);
    expect(future).toHaveLength(30);
    expect(future.every((p) => p.v === null && p.pred !== null)).toBe(true);
    const widths = future.map((p) => (p.upper as number) - (p.lower as number));
    expect(widths[29] as number).toBeGreaterThan(widths[0] as number);
  });

  it('averages the series that match a partial tag query', async () => {
    const res = await trend(`metric=cpu.usage_user&tags=dc:sh&start=${now - 120_000}&end=${now - 120_000}&step=${stepS}`);
    const web1 = await trend(`metric=cpu.usage_user&tags=host:web-1&start=${now - 120_000}&end=${now - 120_000}&step=${stepS}`);
    expect(res.body.data.points[0]?.v).toBeCloseTo(((web1.body.data.points[0]?.v as number) + 5) / 2, 6);
  });

  it('answers an unknown series with null values rather than an error', async () => {
    const res = await trend(`metric=no.such&start=${now - 120_000}&end=${now}&step=${stepS}`);
    expect(res.body.code).toBe(0);
    expect(res.body.data.points.every((p) => p.v === null && p.pred === null)).toBe(true);
  });

  it.each([
    ['metric', `start=${now}&end=${now}`],
    ['end', `metric=m&start=${now}&end=${now - 1}`],
    ['step', `metric=m&start=${now - 86_400_000 * 30}&end=${now}&step=60`],
    ['tags', `metric=m&tags=host&start=${now}&end=${now}`],
  ])('refuses a bad %s as envelope 1001', async (field, query) => {
    const res = await trend(query);
    expect(res.body.code).toBe(1001);
    expect(res.body.msg.startsWith(`${field}:`)).toBe(true);
  });
});
