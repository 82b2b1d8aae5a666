import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseShanghai, startEngineSimulator, type RunningSimulator } from './index.js';
import { call, login } from './sim-client.js';

const RULES = '/api/v1/anomaly/rules';
const cpuRule = {
  ruleName: 'cpu high', metric: 'cpu.usage_user', tagFilter: { host: 'web-*' }, algorithm: 'threshold',
  params: { operator: '>', value: 90, duration: 60 }, level: 2, enabled: 1,
};
interface ListedRule { ruleId: string; ruleName: string; level: number; params: Record<string, unknown>; createTime: string; updateTime: string }

describe('anomaly rule CRUD', () => {
  let s: RunningSimulator;
  let token: string;
  const api = <T = unknown>(method: string, path: string, body?: unknown) => call<T>(s.url, method, path, body, { token });
  const page = (pageNum = 1, pageSize = 10) => api<{ total: number; list: ListedRule[] }>('POST', `${RULES}/page`, { pageNum, pageSize });

  beforeAll(async () => {
    s = await startEngineSimulator();
    token = await login(s.url);
  });
  afterAll(async () => { await s.close(); });
  beforeEach(() => { s.reset(); });

  it('creates a rule and lists it with Shanghai-time stamps', async () => {
    const created = await api<{ ruleId: string }>('POST', RULES, cpuRule);
    expect(created.body.code).toBe(0);
    expect(created.body.data.ruleId).toMatch(/^r-[0-9a-f]+$/);
    const listed = await page();
    expect(listed.body.data.total).toBe(1);
    const rule = listed.body.data.list[0];
    expect(rule).toMatchObject({ ...cpuRule, ruleId: created.body.data.ruleId });
    expect(rule?.createTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    expect(Math.abs(parseShanghai(rule?.createTime ?? '') - Date.now())).toBeLessThan(5000);
  });

  it('lists rules newest first, page by page', async () => {
    for (const name of ['a', 'b', 'c']) await api('POST', RULES, { ...cpuRule, ruleName: name });
    const first = await page(1, 2);
    const second = await page(2, 2);
    expect(first.body.data.list.map((r) => r.ruleName)).toEqual(['c', 'b']);
    expect(second.body.data.list.map((r) => r.ruleName)).toEqual(['a']);
    expect(second.body.data.total).toBe(3);
  });

  it.each([
    ['params.operator', { params: { value: 90 } }],
    ['params.value', { params: { operator: '>', value: '90' } }],
    ['level', { level: 5 }],
    ['enabled', { enabled: true }],
    ['algorithm', { algorithm: 'magic' }],
    ['ruleName', { ruleName: '' }],
    ['tagFilter.host', { tagFilter: { host: 1 } }],
    ['params.window', { algorithm: 'baseline', params: { sensitivity: 3, direction: 'up' } }],
    ['params.direction', { algorithm: 'baseline', params: { window: 60, sensitivity: 3, direction: 'sideways' } }],
    ['params.horizon', { algorithm: 'forecast', params: { horizon: 0, operator: '>', value: 1 } }],
  ])('refuses an invalid %s as envelope 1001 naming it', async (field, patch) => {
    const res = await api('POST', RULES, { ...cpuRule, ...patch });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(1001);
    expect(res.body.msg.startsWith(`${field}:`)).toBe(true);
    expect((await page()).body.data.total).toBe(0);
  });

  it('updates only the fields a PUT sends and validates the result', async () => {
    const { ruleId } = (await api<{ ruleId: string }>('POST', RULES, cpuRule)).body.data;
    expect((await api('PUT', `${RULES}/${ruleId}`, { level: 1, params: { operator: '>=', value: 95, duration: 30 } })).body.code).toBe(0);
    const rule = (await page()).body.data.list[0];
    expect(rule).toMatchObject({ ruleName: 'cpu high', level: 1, params: { operator: '>=', value: 95, duration: 30 } });
    const bad = await api('PUT', `${RULES}/${ruleId}`, { algorithm: 'baseline' });
    expect(bad.body).toMatchObject({ code: 1001, msg: expect.stringContaining('params') });
  });

  it('deletes a rule, and reports an unknown rule id as envelope 404', async () => {
    const { ruleId } = (await api<{ ruleId: string }>('POST', RULES, cpuRule)).body.data;
    expect((await api('DELETE', `${RULES}/${ruleId}`)).body.code).toBe(0);
    expect((await page()).body.data.total).toBe(0);
    expect((await api('DELETE', `${RULES}/${ruleId}`)).body.code).toBe(404);
    expect((await api('PUT', `${RULES}/r-missing`, { level: 1 })).body.code).toBe(404);
  });

  it('keeps rules across a reset when asked to', async () => {
    await api('POST', RULES, cpuRule);
    s.reset({ keepRules: true });
    expect((await page()).body.data.total).toBe(1);
    s.reset();
    expect((await page()).body.data.total).toBe(0);
  });
});
