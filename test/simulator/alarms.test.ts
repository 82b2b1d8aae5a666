import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { formatShanghai, startEngineSimulator, type PublicAlarm, type RunningSimulator } from './index.js';
import { call, login, point, pointsEnding, sim } from './sim-client.js';

type AlarmPage = { total: number; list: PublicAlarm[] };

describe('alarms raised by the rules on received data', () => {
  let s: RunningSimulator;
  let token: string;
  const api = <T = unknown>(method: string, path: string, body?: unknown) => call<T>(s.url, method, path, body, { token });
  const push = (items: unknown[]) => api('POST', '/api/v1/metrics/batch', { items });
  const rule = async (body: Record<string, unknown>) =>
    (await api<{ ruleId: string }>('POST', '/api/v1/anomaly/rules', { ruleName: 'r', level: 2, enabled: 1, ...body })).body.data.ruleId;
  const current = async (pageNum = 1, pageSize = 50) => (await api<AlarmPage>('POST', '/api/v1/alarms/current/page', { pageNum, pageSize })).body;
  const history = async (body: Record<string, unknown> = {}) =>
    (await api<AlarmPage>('POST', '/api/v1/alarms/history/page', { pageNum: 1, pageSize: 50, ...body })).body.data;
  /** Waits for the simulator's own evaluation timer rather than forcing it. */
  const eventually = async (check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met in time');
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeAll(async () => {
    s = await startEngineSimulator({ evaluateEveryMs: 50 });
    token = await login(s.url);
  });
  afterAll(async () => { await s.close(); });
  beforeEach(() => { s.reset(); });

  describe('when a threshold breach lasts its duration and then ends', () => {
    it('fires only after the duration, then recovers into history', async () => {
      const ruleId = await rule({ metric: 'cpu.usage_user', tagFilter: { host: 'web-*' }, algorithm: 'threshold', params: { operator: '>', value: 90, duration: 30 }, level: 1 });
      const disabled = await rule({ metric: 'cpu.usage_user', algorithm: 'threshold', params: { operator: '>', value: 0 }, enabled: 0 });
      const t0 = Date.now() - 120_000;
      await push([point('cpu.usage_user', { host: 'web-1' }, t0 - 10_000, 50), ...[0, 10, 20].map((d) => point('cpu.usage_user', { host: 'web-1' }, t0 + d * 1000, 95))]);
      // db-1 breaches too but is outside the tagFilter.
      await push(pointsEnding('cpu.usage_user', { host: 'db-1' }, t0 + 60_000, 10_000, [99, 99, 99, 99, 99, 99, 99]));
      await sim(s.url, 'POST', '/__sim/evaluate');
      expect((await current()).data.total).toBe(0);

      await push([point('cpu.usage_user', { host: 'web-1' }, t0 + 30_000, 97)]);
      await eventually(async () => (await current()).data.total === 1);
      const firing = (await current()).data.list[0];
      expect(firing).toMatchObject({
        ruleId, ruleName: 'r', metric: 'cpu.usage_user', tags: { host: 'web-1' }, level: 1, status: 'FIRING',
        firstTime: formatShanghai(t0), lastTime: formatShanghai(t0 + 30_000), value: 97,
      });
      expect(firing?.alarmId).toMatch(/^a-/);
      expect(firing?.content).toContain('cpu.usage_user{host=web-1}');
      expect(s.alarms().history.some((a) => a.ruleId === disabled)).toBe(false);
      // The API shows data time in seconds; /__sim/alarms adds when the engine created the alarm, by the wall clock.
      expect(firing).not.toHaveProperty('createdAtMs');
      const created = (await sim<{ current: Array<{ alarmId: string; createdAtMs: number }> }>(s.url, 'GET', '/__sim/alarms')).json.current[0];
      expect(created?.alarmId).toBe(firing?.alarmId);
      expect(created?.createdAtMs).toBeGreaterThan(Date.now() - 5_000);
      expect(created?.createdAtMs).toBeLessThanOrEqual(Date.now());

      await push([point('cpu.usage_user', { host: 'web-1' }, t0 + 40_000, 12)]);
      await eventually(async () => (await current()).data.total === 0);
      const past = await history({ startTime: t0 - 60_000, endTime: Date.now() });
      expect(past.list).toEqual([expect.objectContaining({ alarmId: firing?.alarmId, status: 'RECOVERED', recoverTime: formatShanghai(t0 + 40_000) })]);
      expect((await history({ startTime: t0 + 50_000, endTime: Date.now() })).total).toBe(0);
    });
  });

  describe('when a series leaves its learnt baseline', () => {
    it('fires a baseline alarm', async () => {
      await rule({ metric: 'api.latency_ms', algorithm: 'baseline', params: { window: 600, sensitivity: 3, direction: 'up', duration: 20 } });
      const calm = Array.from({ length: 40 }, (_, i) => 100 + (i % 3) - 1);
      await push(pointsEnding('api.latency_ms', { svc: 'pay' }, Date.now() - 30_000, 10_000, calm));
      await sim(s.url, 'POST', '/__sim/evaluate');
      expect((await current()).data.total).toBe(0);
      await push(pointsEnding('api.latency_ms', { svc: 'pay' }, Date.now(), 10_000, [400, 420, 410]));
      await eventually(async () => (await current()).data.total === 1);
      expect((await current()).data.list[0]?.content).toContain('baseline');
    });
  });

  describe('when a series trends towards a limit', () => {
    it('fires a forecast alarm before the data reaches the limit', async () => {
      await rule({ metric: 'disk.used_percent', algorithm: 'forecast', params: { horizon: 600, operator: '>', value: 95 } });
      // 2 % per minute, now at 80 %: reaches 100 % in 10 minutes, crossing 95 % within the horizon.
      await push(pointsEnding('disk.used_percent', { host: 'db-1' }, Date.now(), 60_000, Array.from({ length: 11 }, (_, i) => 60 + 2 * i)));
      await eventually(async () => (await current()).data.total === 1);
      const alarm = (await current()).data.list[0];
      expect(alarm?.value).toBeGreaterThan(95);
      expect(alarm?.content).toContain('forecast');
    });
  });

  describe('when the rule behind a firing alarm is deleted', () => {
    it('recovers the alarm', async () => {
      const ruleId = await rule({ metric: 'net.drops', algorithm: 'threshold', params: { operator: '>=', value: 1 } });
      await push([point('net.drops', { if: 'eth0' }, Date.now(), 5)]);
      expect(s.evaluateNow()).toBe(1);
      await api('DELETE', `/api/v1/anomaly/rules/${ruleId}`);
      expect((await current()).data.total).toBe(0);
      expect((await history()).list[0]).toMatchObject({ ruleId, status: 'RECOVERED' });
    });
  });

  describe('when alarms are paged while new ones arrive', () => {
    const raise = async (host: string, firstMs: number) => {
      await push([point('mem.used_percent', { host }, firstMs, 99)]);
      s.evaluateNow();
    };

    it('serves newest first, shifts items between pages, and fails only the configured page', async () => {
      await rule({ metric: 'mem.used_percent', algorithm: 'threshold', params: { operator: '>', value: 90, duration: 0 } });
      const base = Date.now() - 600_000;
      for (let i = 0; i < 5; i++) await raise(`h${i}`, base + i * 1000);
      const page1 = (await current(1, 2)).data.list.map((a) => a.tags.host);
      expect(page1).toEqual(['h4', 'h3']);
      await raise('h5', base + 10_000);
      const page2 = (await current(2, 2)).data.list.map((a) => a.tags.host);
      // h3 was on page 1 and is now on page 2: a poller must not assume stable pages.
      expect(page2).toEqual(['h3', 'h2']);

      s.setFaults({ failPage: 2 });
      expect((await current(1, 2)).code).toBe(0);
      expect(await current(2, 2)).toMatchObject({ code: 500, data: null });
      expect((await api('POST', '/api/v1/alarms/history/page', { pageNum: 2, pageSize: 2 })).body.code).toBe(500);
      expect(s.report().rejected.failPage).toBe(2);
    });

    it('refuses a bad page request as a validation error', async () => {
      expect((await api('POST', '/api/v1/alarms/current/page', { pageNum: 0, pageSize: 10 })).body).toMatchObject({ code: 1001, msg: expect.stringContaining('pageNum') });
      expect((await api('POST', '/api/v1/alarms/history/page', { pageNum: 1, pageSize: 10, startTime: '2025-01-01' })).body.code).toBe(1001);
    });
  });
});
