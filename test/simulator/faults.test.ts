import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEngineSimulator, type RunningSimulator } from './index.js';
import { call, login, point, sim } from './sim-client.js';

const PAGE = '/api/v1/anomaly/rules/page';
const T0 = 1_763_950_000_000;

describe('injected faults', () => {
  let s: RunningSimulator;
  let token: string;
  const rulesPage = () => call(s.url, 'POST', PAGE, { pageNum: 1, pageSize: 10 }, { token });
  const setFaults = (body: unknown) => sim(s.url, 'POST', '/__sim/faults', body);

  beforeAll(async () => {
    s = await startEngineSimulator({ randomSeed: 7 });
    token = await login(s.url);
  });
  afterAll(async () => { await s.close(); });
  beforeEach(async () => {
    s.reset({ keepRules: true });
    await sim(s.url, 'DELETE', '/__sim/faults');
  });

  it('mixes HTTP 500/502/503 and envelope 500 under HTTP 200 at errorRatio 1', async () => {
    await setFaults({ errorRatio: 1 });
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const res = await rulesPage();
      seen.add(`${res.status}/${res.body.code}`);
    }
    // 502/503 come from the "gateway" as HTML, so their envelope code parses as -1 in the helper.
    expect([...seen].sort()).toEqual(['200/500', '500/500', '502/-1', '503/-1']);
    expect(s.report().rejected.injectedError).toBe(40);
  });

  it('fails about errorRatio of the requests', async () => {
    await setFaults({ errorRatio: 0.3 });
    let failed = 0;
    for (let i = 0; i < 100; i++) if ((await rulesPage()).body.code !== 0) failed++;
    expect(failed).toBeGreaterThan(15);
    expect(failed).toBeLessThan(45);
  });

  it('delays answers by latencyMs', async () => {
    await setFaults({ latencyMs: 150 });
    const started = Date.now();
    expect((await rulesPage()).body.code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('answers HTTP 429 with Retry-After, or envelope 429 under HTTP 200', async () => {
    await setFaults({ rateLimit: { ratio: 1, retryAfterSeconds: 3 } });
    const http = await rulesPage();
    expect(http.status).toBe(429);
    expect(http.headers.get('retry-after')).toBe('3');
    await setFaults({ rateLimit: { ratio: 1, retryAfterSeconds: 3, asEnvelope: true } });
    const env = await rulesPage();
    expect(env.status).toBe(200);
    expect(env.body.code).toBe(429);
  });

  it('refuses requests past maxPerSecond within one second', async () => {
    await setFaults({ rateLimit: { ratio: 0, retryAfterSeconds: 1, maxPerSecond: 5 } });
    const codes = await Promise.all(Array.from({ length: 12 }, async () => (await rulesPage()).status));
    // The burst may straddle a second boundary, so at least 12 - 2 × 5 are refused.
    expect(codes.filter((c) => c === 429).length).toBeGreaterThanOrEqual(2);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(5);
  });

  it('fails every API request during an outage, as HTTP 503 or a dropped connection, until lifted', async () => {
    await setFaults({ outage: true, outageMode: 'http503' });
    expect((await rulesPage()).status).toBe(503);
    expect((await call(s.url, 'POST', '/api/auth/login', { username: 'admin', password: 'admin123' })).status).toBe(503);
    await setFaults({ outageMode: 'drop' });
    await expect(rulesPage()).rejects.toThrow();
    // The controls stay reachable during the outage.
    expect((await sim<{ rejected: { outage: number } }>(s.url, 'GET', '/__sim/report')).json.rejected.outage).toBe(3);
    await setFaults({ outage: false });
    expect((await rulesPage()).body.code).toBe(0);
  });

  it('drops connections at dropConnectionRatio without accepting anything', async () => {
    await setFaults({ dropConnectionRatio: 1 });
    await expect(call(s.url, 'POST', '/api/v1/metrics/batch', { items: [point('m.f', {}, T0, 1)] }, { token })).rejects.toThrow();
    expect(s.report().pointsReceived).toBe(0);
    expect(s.report().requestsTotal).toBe(1);
  });

  it('loses the answer after accepting the batch at dropResponseRatio, so a retry duplicates', async () => {
    await setFaults({ dropResponseRatio: 1 });
    const batch = { items: [point('m.f', {}, T0, 1)] };
    const headers = { 'X-Request-Id': 'batch-1' };
    await expect(call(s.url, 'POST', '/api/v1/metrics/batch', batch, { token, headers })).rejects.toThrow();
    await sim(s.url, 'DELETE', '/__sim/faults');
    expect((await call(s.url, 'POST', '/api/v1/metrics/batch', batch, { token, headers })).body.code).toBe(0);
    expect(s.report()).toMatchObject({ pointsReceived: 2, distinctPoints: 1, repeatedRequestIds: 1, duplicateAcceptedRequestIds: 1 });
  });

  it('changes response shapes with shapeChange', async () => {
    await setFaults({ shapeChange: true });
    expect((await call(s.url, 'POST', '/api/v1/metrics/batch', { items: [point('m.f', {}, T0, 1)] }, { token })).body.data).toEqual({ acceptedCount: 1 });
    expect(Object.keys((await rulesPage()).body.data as object).sort()).toEqual(['rows', 'total']);
  });

  it('merges fault updates, clears them on DELETE, and refuses unknown or out-of-range faults', async () => {
    await setFaults({ latencyMs: 5 });
    const merged = await setFaults({ failPage: 3 });
    expect(merged.json).toMatchObject({ latencyMs: 5, failPage: 3 });
    expect((await sim(s.url, 'DELETE', '/__sim/faults')).json).toMatchObject({ latencyMs: 0, failPage: null });
    expect((await setFaults({ errorRatio: 2 })).status).toBe(400);
    expect((await setFaults({ errorRatoi: 0.5 })).status).toBe(400);
    expect(() => s.setFaults({ dropConnectionRatio: -1 })).toThrow(/dropConnectionRatio/);
  });
});
