import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisEngine } from '../../../src/application/ports/analysis-engine.js';
import { createShuzhihuiEngine } from '../../../src/infrastructure/engines/shuzhihui/index.js';
import { KEYS, startApi, type ApiUnderTest } from './api-harness.js';

const RULE = {
  name: 'cpu high',
  metric: 'svc_000.f0',
  tags: { host: 'web-*' },
  detector: { kind: 'threshold', operator: '>', value: 90, durationSeconds: 60 },
  severity: 'major',
};
const json = (body: unknown, ifMatch?: string, key: string = KEYS.writer) => ({ key, body, ...(ifMatch !== undefined && { headers: { 'if-match': ifMatch } }) });

describe('detection rules through the API, reconciled into the engine', () => {
  let api: ApiUnderTest;
  let engineUi: AnalysisEngine & { close(): Promise<void> };
  let id = '';
  beforeAll(async () => {
    api = await startApi({ api: { rulesReconcileEveryMs: 0 } }); // reconcile on writes and on demand only
    engineUi = createShuzhihuiEngine({ baseUrl: api.sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' } }) as AnalysisEngine & { close(): Promise<void> };
  });
  afterAll(async () => {
    await engineUi?.close();
    await api?.close();
  });
  const reconcile = async () => {
    const r = await api.call('POST', '/api/v1/rules/reconcile');
    expect(r.status, r.text).toBe(200);
    return r.json as { created: number; updated: number; deleted: number; drift: { ruleId: string; kind: string }[] };
  };

  it('creates a rule: 201, ETag "1", Location, our schema; the rule appears in the engine', async () => {
    const r = await api.call('POST', '/api/v1/rules', json(RULE));
    expect(r.status, r.text).toBe(201);
    id = r.json.id as string;
    expect(r.headers.get('etag')).toBe('"1"');
    expect(r.headers.get('location')).toBe(`/api/v1/rules/${id}`);
    expect(r.json).toMatchObject({ ...RULE, version: 1, enabled: true });
    await reconcile();
    const inEngine = await engineUi.listRules();
    expect(inEngine.map((e) => [e.name, e.metric, e.level, e.algorithm])).toEqual([['cpu high', 'svc_000.f0', 'major', RULE.detector]]);
  });

  it('refuses an invalid rule with 400 naming the field, and a read key with 403', async () => {
    const bad = await api.call('POST', '/api/v1/rules', json({ ...RULE, severity: 'catastrophic' }));
    expect(bad.status).toBe(400);
    expect(bad.json.errors.map((e: { pointer: string }) => e.pointer)).toContain('/severity');
    expect((await api.call('POST', '/api/v1/rules', json(RULE, undefined, KEYS.reader))).status).toBe(403);
  });

  it('wants If-Match on changes: 428 without, 412 when stale, 200 with the next ETag when current', async () => {
    expect((await api.call('PUT', `/api/v1/rules/${id}`, json(RULE))).status).toBe(428);
    const stale = await api.call('PUT', `/api/v1/rules/${id}`, json({ ...RULE, name: 'x' }, '"7"'));
    expect(stale.status).toBe(412);
    expect(stale.json.detail).toContain('"1"');
    const ok = await api.call('PUT', `/api/v1/rules/${id}`, json({ ...RULE, detector: { ...RULE.detector, value: 95 } }, '"1"'));
    expect(ok.status, ok.text).toBe(200);
    expect(ok.headers.get('etag')).toBe('"2"');
    const got = await api.call('GET', `/api/v1/rules/${id}`, { key: KEYS.reader });
    expect([got.headers.get('etag'), got.json.detector.value]).toEqual(['"2"', 95]);
  });

  it('lets exactly one of two concurrent writes from the same version through', async () => {
    const [a, b] = await Promise.all([
      api.call('POST', `/api/v1/rules/${id}/disable`, json(undefined, '"2"')),
      api.call('PUT', `/api/v1/rules/${id}`, json({ ...RULE, name: 'renamed' }, '"2"')),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
  });

  it('repairs a rule changed in the engine behind our back, and recreates one deleted there', async () => {
    await reconcile();
    const [copy] = await engineUi.listRules();
    if (!copy) throw new Error('no engine copy');
    await engineUi.updateRule(copy.engineRuleId, { ...copy, name: 'edited in the engine UI' });
    const repaired = await reconcile();
    expect(repaired.drift).toEqual([{ ruleId: id, kind: 'changed' }]);
    expect((await engineUi.listRules()).map((r) => r.name)).not.toContain('edited in the engine UI');

    await engineUi.deleteRule(copy.engineRuleId);
    const recreated = await reconcile();
    expect(recreated).toMatchObject({ created: 1, drift: [{ ruleId: id, kind: 'missing' }] });
    expect(await engineUi.listRules()).toHaveLength(1);
    expect((await reconcile()).drift).toEqual([]); // converged: applying again changes nothing
  });

  it('deletes with If-Match: 204, then 404, gone from the list and from the engine', async () => {
    const current = await api.call('GET', `/api/v1/rules/${id}`);
    expect((await api.call('DELETE', `/api/v1/rules/${id}`, json(undefined, current.headers.get('etag') ?? ''))).status).toBe(204);
    expect((await api.call('GET', `/api/v1/rules/${id}`)).status).toBe(404);
    expect((await api.call('GET', '/api/v1/rules', { key: KEYS.reader })).json.rules).toEqual([]);
    await reconcile();
    expect(await engineUi.listRules()).toEqual([]);
  });

  it('refills an empty engine from our store', async () => {
    const created = await api.call('POST', '/api/v1/rules', json({ ...RULE, name: 'refill me' }));
    expect(created.status).toBe(201);
    await reconcile();
    api.sim.reset({ keepRules: false });
    expect(await engineUi.listRules()).toEqual([]);
    const report = await reconcile();
    expect(report.created).toBe(1);
    expect((await engineUi.listRules()).map((r) => r.name)).toEqual(['refill me']);
  });
});
