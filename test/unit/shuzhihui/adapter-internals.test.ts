import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../src/application/ports/engine-errors.js';
import type { DetectionRuleSpec } from '../../../src/domain/detection-rule.js';
import type { MetricPoint } from '../../../src/domain/metric.js';
import { alarmFromEngine } from '../../../src/infrastructure/engines/shuzhihui/alarm-mapping.js';
import { chunkBody, splitPoints } from '../../../src/infrastructure/engines/shuzhihui/batching.js';
import { interpret, parseRetryAfter } from '../../../src/infrastructure/engines/shuzhihui/envelope.js';
import type { HttpResponse } from '../../../src/infrastructure/engines/shuzhihui/http-client.js';
import { readAllPages } from '../../../src/infrastructure/engines/shuzhihui/pager.js';
import { ruleFromEngine, ruleToEngine } from '../../../src/infrastructure/engines/shuzhihui/rule-mapping.js';
import { id } from '../../../src/infrastructure/engines/shuzhihui/shape.js';
import { shanghaiTime } from '../../../src/infrastructure/engines/shuzhihui/vocabulary.js';

/**
 * The adapter's pure pieces, without a server (they would sit under test/unit; they live here because this
 * engineer's brief covers test/integration/shuzhihui only).
 */
const catching = (fn: () => unknown): EngineError => {
  try {
    fn();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('expected an EngineError');
};

const response = (status: number, body: unknown, headers: HttpResponse['headers'] = {}): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});

describe('Shanghai times', () => {
  it('converts to ISO-8601 UTC with a fixed +08:00 offset, across a date line', () => {
    expect(shanghaiTime('2025-11-24 10:00:00', 'x')).toBe('2025-11-24T02:00:00.000Z');
    expect(shanghaiTime('2026-01-01 07:59:59', 'x')).toBe('2025-12-31T23:59:59.000Z');
  });
  it('refuses a malformed or rolled-over time, naming the field', () => {
    expect(catching(() => shanghaiTime('2025-02-30 10:00:00', 'data.list[0].firstTime')).message).toContain('data.list[0].firstTime');
    expect(catching(() => shanghaiTime('2025-11-24T10:00:00Z', 'f')).details.field).toBe('f');
  });
});

describe('rule mapping', () => {
  const spec: DetectionRuleSpec = {
    name: 'cpu',
    metric: 'cpu.usage_user',
    tagFilter: { host: 'web-*' },
    algorithm: { kind: 'baseline', windowSeconds: 3600, sensitivity: 3, direction: 'up', durationSeconds: 60 },
    level: 'minor',
    enabled: false,
  };
  it('maps our spec to engine JSON and back unchanged', () => {
    const body = ruleToEngine(spec);
    expect(body).toEqual({
      ruleName: 'cpu', metric: 'cpu.usage_user', tagFilter: { host: 'web-*' }, algorithm: 'baseline',
      params: { window: 3600, sensitivity: 3, direction: 'up', duration: 60 }, level: 3, enabled: 0,
    });
    const back = ruleFromEngine({ ...body, ruleId: 'r-1', createTime: '2025-11-24 10:00:00', updateTime: '2025-11-24 10:00:01' }, 'r');
    expect(back).toEqual({ ...spec, engineRuleId: 'r-1', createdAt: '2025-11-24T02:00:00.000Z', updatedAt: '2025-11-24T02:00:01.000Z' });
  });
  it('names the field of a rule whose params changed shape', () => {
    const e = catching(() => ruleFromEngine({ ...ruleToEngine(spec), params: { windowSec: 3600 }, ruleId: 'r', createTime: '', updateTime: '' }, 'data.list[2]'));
    expect(e.kind).toBe('contract');
    expect(e.message).toBe('data.list[2].params.window: expected number, got undefined');
  });
});

describe('alarm mapping', () => {
  const alarm = {
    alarmId: 'a-1', ruleId: 'r-1', ruleName: 'cpu', metric: 'cpu.usage_user', tags: { host: 'web-1' }, level: 1,
    status: 'RECOVERED', firstTime: '2025-11-24 10:00:00', lastTime: '2025-11-24 10:05:00', recoverTime: '2025-11-24 10:06:00',
    value: 97.5, content: 'cpu > 90',
  };
  it('maps levels, statuses and times', () => {
    expect(alarmFromEngine(alarm, 'a')).toMatchObject({ level: 'critical', status: 'resolved', resolvedAt: '2025-11-24T02:06:00.000Z', summary: 'cpu > 90' });
  });
  it('refuses a level it does not know rather than guessing one', () => {
    expect(catching(() => alarmFromEngine({ ...alarm, level: 5 }, 'data.list[0]')).message).toBe('data.list[0].level: expected one of 1|2|3|4, got number 5');
  });
});

describe('splitting a push', () => {
  const point = (i: number, tag = 'h'): MetricPoint => ({ name: 'm.v', tags: { host: tag }, ts: 1_700_000_000_000 + i, value: i });
  it('cuts at the item limit', () => {
    const { chunks } = splitPoints(Array.from({ length: 12_001 }, (_, i) => point(i)), 5_000, 4 * 1024 * 1024);
    expect(chunks.map((c) => c.length)).toEqual([5_000, 5_000, 2_001]);
  });
  it('cuts at the byte limit, never producing a body over it', () => {
    const points = Array.from({ length: 100 }, (_, i) => point(i, 'x'.repeat(1_000)));
    const { chunks } = splitPoints(points, 5_000, 10_000);
    expect(chunks.length).toBeGreaterThan(10);
    for (const c of chunks) expect(Buffer.byteLength(chunkBody(c))).toBeLessThanOrEqual(10_000);
    expect(chunks.flat().length).toBe(100);
  });
  it('skips non-finite values (JSON cannot carry them) and counts them', () => {
    const { chunks, skipped } = splitPoints([point(1), { ...point(2), value: Number.NaN }], 10, 1_000);
    expect(skipped).toBe(1);
    expect(JSON.parse(chunkBody(chunks[0] ?? []))).toEqual({ items: [{ metric: 'm.v', tags: { host: 'h' }, ts: 1_700_000_000_001, value: 1 }] });
  });
});

describe('reading the envelope', () => {
  const now = Date.parse('2025-11-24T00:00:00Z');
  it('treats code != 0 under HTTP 200 as an error, and 401 either way as expiry', () => {
    expect(catching(() => interpret(response(200, { code: 1001, msg: 'metric: required', data: null }), 'POST /x', now))).toMatchObject({ kind: 'rejected', retryable: false });
    expect(interpret(response(200, { code: 401, msg: 'expired', data: null }), 'POST /x', now)).toEqual({ kind: 'expired', msg: 'expired' });
    expect(interpret(response(401, 'Unauthorized'), 'POST /x', now)).toEqual({ kind: 'expired' });
  });
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3', now)).toBe(3_000);
    expect(parseRetryAfter('Mon, 24 Nov 2025 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    const e = catching(() => interpret(response(429, { code: 429, msg: 'slow down' }, { 'retry-after': 'Mon, 24 Nov 2025 00:00:02 GMT' }), 'POST /x', now));
    expect(e).toMatchObject({ kind: 'rate_limited', retryable: true, details: { retryAfterMs: 2_000 } });
  });
  it('calls an HTML gateway page unavailable, and an HTML page under 200 a contract error', () => {
    expect(catching(() => interpret(response(502, '<html>502</html>', { 'content-type': 'text/html' }), 'GET /t', now))).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(catching(() => interpret(response(200, '<html>login</html>', { 'content-type': 'text/html' }), 'GET /t', now))).toMatchObject({ kind: 'contract', retryable: false });
  });
});

describe('paging a live list', () => {
  const pages = (...ps: { total: number; list: string[] }[]) => (n: number) => {
    const p = ps[n - 1];
    return p ? Promise.resolve({ total: p.total, list: p.list.map((alarmId) => ({ alarmId })) }) : Promise.reject(new Error('no page'));
  };
  const read = (fetchPage: (n: number) => Promise<unknown>) =>
    readAllPages({ what: 'POST /p', pageSize: 2, maxPages: 10, fetchPage, item: (v, p) => ({ alarmId: id((v as { alarmId: unknown }).alarmId, `${p}.alarmId`) }), key: (a) => a.alarmId });

  it('is complete when nothing moved', async () => {
    const r = await read(pages({ total: 3, list: ['c', 'b'] }, { total: 3, list: ['a'] }));
    expect(r).toMatchObject({ complete: true, items: [{ alarmId: 'c' }, { alarmId: 'b' }, { alarmId: 'a' }] });
  });
  it('is incomplete, keeping one copy, when an item was pushed onto the next page', async () => {
    const r = await read(pages({ total: 3, list: ['c', 'b'] }, { total: 3, list: ['b'] }));
    expect(r.complete).toBe(false);
    expect(r.items.map((a) => a.alarmId)).toEqual(['c', 'b']);
  });
  it('is incomplete when the total changed while paging (an item may have slid onto a page already read)', async () => {
    const r = await read(pages({ total: 4, list: ['d', 'c'] }, { total: 3, list: ['a'] }));
    expect(r.complete).toBe(false);
  });
  it('keeps what it read and says incomplete when a later page fails', async () => {
    const fetchPage = (n: number) => (n === 1 ? Promise.resolve({ total: 4, list: [{ alarmId: 'd' }, { alarmId: 'c' }] }) : Promise.reject(new EngineError('server', 'page failed', true)));
    const r = await read(fetchPage);
    expect(r).toMatchObject({ complete: false, items: [{ alarmId: 'd' }, { alarmId: 'c' }] });
    expect(r.failure?.kind).toBe('server');
    expect(r).toMatchObject({ pages: 2, drift: 0 });
  });
  it('counts pages read and no drift when nothing moved', async () => {
    expect(await read(pages({ total: 3, list: ['c', 'b'] }, { total: 3, list: ['a'] }))).toMatchObject({ pages: 2, drift: 0 });
  });
  it('counts an item seen twice and a changed total as drift', async () => {
    expect((await read(pages({ total: 3, list: ['c', 'b'] }, { total: 3, list: ['b'] }))).drift).toBe(2); // duplicate + 'a' never read
    expect((await read(pages({ total: 4, list: ['d', 'c'] }, { total: 3, list: ['a'] }))).drift).toBe(2); // total 4 → 3, one id short
  });
});
