import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { maxInAnySlidingWindow, startEngineSimulator, type RunningSimulator, type SimReport } from './index.js';
import { call, login, point, sim } from './sim-client.js';

const T0 = 1_763_950_000_000;

describe('the /__sim/ report', () => {
  let s: RunningSimulator;
  let token: string;
  const batch = (items: unknown[], requestId?: string) =>
    call(s.url, 'POST', '/api/v1/metrics/batch', { items }, { token, ...(requestId === undefined ? {} : { headers: { 'X-Request-Id': requestId } }) });

  beforeAll(async () => {
    s = await startEngineSimulator();
    token = await login(s.url);
  });
  afterAll(async () => { await s.close(); });
  beforeEach(async () => { await sim(s.url, 'POST', '/__sim/reset', {}); });

  it('counts every /api request per endpoint and wall-clock second, refused ones included', async () => {
    const before = Math.floor(Date.now() / 1000);
    await Promise.all(Array.from({ length: 6 }, () => batch([point('m.f', {}, T0, 1)])));
    await call(s.url, 'POST', '/api/v1/anomaly/rules/page', {}); // no token: refused, still counted
    await login(s.url);
    const after = Math.floor(Date.now() / 1000);
    const { json: report } = await sim<SimReport>(s.url, 'GET', '/__sim/report');
    expect(report.requestsTotal).toBe(8);
    expect(report.logins).toBe(1);
    const batchBuckets = report.requestsPerSecond['POST /api/v1/metrics/batch'] ?? {};
    expect(Object.values(batchBuckets).reduce((a, b) => a + b, 0)).toBe(6);
    for (const second of Object.keys(batchBuckets)) expect(Number(second)).toBeGreaterThanOrEqual(before);
    expect(report.requestsPerSecond['POST /api/auth/login']).toBeDefined();
    expect(report.maxRequestsPerSecond).toBeGreaterThanOrEqual(after === before ? 8 : 3);
    expect(report.rejected).toEqual({ unauthorized: 1 });
  });

  it('reports the most calls in any sliding second, overall and per endpoint, from the arrival times it lists', async () => {
    for (let i = 0; i < 4; i++) await batch([point('m.f', {}, T0 + i, 1)]);
    await login(s.url);
    await login(s.url);
    const { json: report } = await sim<SimReport>(s.url, 'GET', '/__sim/report');
    const { json: arrivals } = await sim<Record<string, number[]>>(s.url, 'GET', '/__sim/arrivals');
    expect(arrivals['POST /api/v1/metrics/batch']).toHaveLength(4);
    expect(arrivals['POST /api/auth/login']).toHaveLength(2);
    const all = Object.values(arrivals).flat();
    // Six calls within well under a second (a slow machine could spread them: then the figure follows the times).
    expect(report.maxCallsInAnySlidingSecond).toBe(maxInAnySlidingWindow(all));
    expect(report.maxCallsInAnySlidingSecondPerEndpoint).toEqual({
      'POST /api/v1/metrics/batch': maxInAnySlidingWindow(arrivals['POST /api/v1/metrics/batch'] ?? []),
      'POST /api/auth/login': maxInAnySlidingWindow(arrivals['POST /api/auth/login'] ?? []),
    });
    if (Math.max(...all) - Math.min(...all) < 1000) expect(report.maxCallsInAnySlidingSecond).toBe(6);
    expect(s.arrivals()).toEqual(arrivals);
  });

  it('counts accepted points exactly, repeats included, and lists them by point key', async () => {
    await batch([point('disk.used', { host: 'b', dc: 'a' }, T0, 1), point('disk.used', { host: 'b', dc: 'a' }, T0 + 1, 2)], 'x');
    await batch([point('disk.used', { host: 'b', dc: 'a' }, T0, 1)], 'x');
    await batch([{ ...point('disk.used', { host: 'b', dc: 'a' }, T0, 1), value: 'bad' }], 'y');
    const { json: report } = await sim<SimReport>(s.url, 'GET', '/__sim/report');
    expect(report).toMatchObject({ pointsReceived: 3, distinctPoints: 2, repeatedRequestIds: 1, duplicateAcceptedRequestIds: 1 });
    expect(report.rejected.validation).toBe(1);
    const { json: points } = await sim(s.url, 'GET', '/__sim/points?metric=disk.used');
    expect(points).toEqual({ [`disk.used|dc=a,host=b|${T0}`]: 2, [`disk.used|dc=a,host=b|${T0 + 1}`]: 1 });
  });

  it('forgets data, counters and alarms on reset, keeping rules only when asked', async () => {
    await call(s.url, 'POST', '/api/v1/anomaly/rules', {
      ruleName: 'any', metric: 'm.f', algorithm: 'threshold', params: { operator: '>', value: 0 }, level: 4, enabled: 1,
    }, { token });
    await batch([point('m.f', {}, Date.now(), 1)]);
    expect((await sim<{ firing: number }>(s.url, 'POST', '/__sim/evaluate')).json.firing).toBe(1);
    expect((await sim<{ current: unknown[] }>(s.url, 'GET', '/__sim/alarms')).json.current).toHaveLength(1);
    await sim(s.url, 'POST', '/__sim/reset', { keepRules: true });
    expect(s.report()).toMatchObject({ pointsReceived: 0, distinctPoints: 0, requestsTotal: 0 });
    expect(s.alarms()).toEqual({ current: [], history: [] });
    const rules = await call<{ total: number }>(s.url, 'POST', '/api/v1/anomaly/rules/page', {}, { token });
    expect(rules.body.data.total).toBe(1);
  });
});

describe('the CLI', () => {
  it('prints its URL and serves until SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/simulator/main.ts', '--port', '0', '--token-ttl', '60', '--auth', 'cookie'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const url = /http:\/\/[\d.]+:\d+/.exec(chunk.toString())?.[0] ?? '';
    const res = await call(url, 'POST', '/api/auth/login', { username: 'admin', password: 'admin123' });
    expect(res.headers.getSetCookie()[0]).toMatch(/^SZH_SESSION=/);
    expect(res.body.data).toMatchObject({ expiresIn: 60 });
    child.kill('SIGTERM');
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
  });
});
