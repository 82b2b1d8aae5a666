import { describe, expect, it, vi } from 'vitest';
import { budgetRequestHooks, guardEngine, outcomeOfError } from '../../../src/application/engine-guard/guard-engine.js';
import { createInMemoryBreakerStore } from '../../../src/application/engine-guard/in-memory-breaker-store.js';
import { createSharedCircuitBreaker } from '../../../src/application/engine-guard/shared-circuit-breaker.js';
import type { AnalysisEngine } from '../../../src/application/ports/analysis-engine.js';
import { CircuitOpenError } from '../../../src/application/ports/engine-breaker.js';
import type { CallClass, CallOutcome, EngineBudget } from '../../../src/application/ports/engine-budget.js';
import { EngineError } from '../../../src/application/ports/engine-errors.js';

const fakeEngine = (): AnalysisEngine => ({
  pushMetrics: vi.fn(() => Promise.resolve({ accepted: 1 })),
  trend: vi.fn(() => Promise.resolve({ metric: 'm', tags: {}, points: [] })),
  listRules: vi.fn(() => Promise.resolve([])),
  createRule: vi.fn(() => Promise.resolve({ engineRuleId: 'r1' })),
  updateRule: vi.fn(() => Promise.resolve()),
  deleteRule: vi.fn(() => Promise.resolve()),
  listCurrentAlarms: vi.fn(() => Promise.resolve({ alarms: [], complete: true })),
  listAlarmHistory: vi.fn(() => Promise.resolve({ alarms: [], complete: true })),
});
const recordingBudget = (): EngineBudget & { acquired: CallClass[]; reported: CallOutcome[] } => {
  const acquired: CallClass[] = [];
  const reported: CallOutcome[] = [];
  return {
    acquired,
    reported,
    acquire: (cls) => Promise.resolve({ cls, token: String(acquired.push(cls)), grantedAtMs: 0, askedAt: 0 }),
    answered: () => undefined,
    report: (o) => Promise.resolve(void reported.push(o)),
    snapshot: () => Promise.resolve({ rate: 100, inWindow: 0, blockedForMs: 0 }),
    grantStats: () => ({ used: acquired.length, expired: 0, ageMs: { p50: 0, p99: 0, max: 0 }, answerMs: { p50: 0, p99: 0, max: 0 } }),
  };
};
const breaker = () => createSharedCircuitBreaker(createInMemoryBreakerStore(), { refreshIntervalMs: 0, volumeThreshold: 1 });
const spec = { name: 'r', metric: 'm', tags: {}, algorithm: 'threshold', operator: '>', threshold: 1, level: 'major' } as never;

describe('guardEngine', () => {
  it('takes a token of the right class before each call and reports its latency', async () => {
    const budget = recordingBudget();
    const engine = fakeEngine();
    const g = guardEngine(engine, { breaker: breaker(), budget });
    await g.pushMetrics([], 'b1');
    await g.listCurrentAlarms();
    await g.listAlarmHistory({ startMs: 0, endMs: 1 });
    await g.trend({ metric: 'm', tags: {}, startMs: 0, endMs: 1, stepSeconds: 60 });
    await g.listRules();
    await g.createRule(spec);
    await g.updateRule('r1', spec);
    await g.deleteRule('r1');
    expect(budget.acquired).toEqual(['bulk', 'poll', 'poll', 'interactive', 'interactive', 'interactive', 'interactive', 'interactive']);
    expect(budget.reported.every((o) => o.result === 'ok' && typeof o.latencyMs === 'number')).toBe(true);
    expect(engine.deleteRule).toHaveBeenCalledWith('r1');
  });

  it('feeds a 429 and its Retry-After back to the budget and rethrows it', async () => {
    const budget = recordingBudget();
    const engine = fakeEngine();
    const limited = new EngineError('rate_limited', '429', true, { status: 429, retryAfterMs: 2000 });
    vi.mocked(engine.trend).mockRejectedValueOnce(limited);
    const g = guardEngine(engine, { breaker: breaker(), budget });
    await expect(g.trend({ metric: 'm', tags: {}, startMs: 0, endMs: 1, stepSeconds: 60 })).rejects.toBe(limited);
    expect(budget.reported).toEqual([{ cls: 'interactive', result: 'rate_limited', retryAfterMs: 2000 }]);
  });

  describe('when the circuit is open', () => {
    it('fails fast without spending budget or touching the engine', async () => {
      const budget = recordingBudget();
      const engine = fakeEngine();
      vi.mocked(engine.pushMetrics).mockRejectedValueOnce(new EngineError('server', '500', true));
      const g = guardEngine(engine, { breaker: breaker(), budget });
      await expect(g.pushMetrics([], 'b1')).rejects.toThrow('500');
      await expect(g.pushMetrics([], 'b2')).rejects.toBeInstanceOf(CircuitOpenError);
      await expect(g.listCurrentAlarms()).rejects.toBeInstanceOf(CircuitOpenError);
      expect(engine.pushMetrics).toHaveBeenCalledTimes(1);
      expect(engine.listCurrentAlarms).not.toHaveBeenCalled();
      expect(budget.acquired).toEqual(['bulk']);
    });
  });

  describe('without a budget (the adapter takes tokens per HTTP request)', () => {
    it('only applies the breaker', async () => {
      const engine = fakeEngine();
      const g = guardEngine(engine, { breaker: breaker() });
      await expect(g.listRules()).resolves.toEqual([]);
    });
  });
});

describe('budgetRequestHooks', () => {
  it('takes a token before each request and reports after it', async () => {
    const budget = recordingBudget();
    const hooks = budgetRequestHooks(budget);
    await hooks.beforeRequest('poll');
    hooks.afterResponse({ cls: 'poll', result: 'ok', latencyMs: 12 });
    expect(budget.acquired).toEqual(['poll']);
    expect(budget.reported).toEqual([{ cls: 'poll', result: 'ok', latencyMs: 12 }]);
  });

  describe('when the circuit opens in the middle of a multi-request call', () => {
    it('refuses the next request without spending a token', async () => {
      const budget = recordingBudget();
      const b = breaker();
      const hooks = budgetRequestHooks(budget, { breaker: b });
      await hooks.beforeRequest('poll');
      await b.run(() => Promise.reject(new EngineError('unavailable', 'reset', true))).catch(() => undefined);
      await expect(hooks.beforeRequest('poll')).rejects.toBeInstanceOf(CircuitOpenError);
      expect(budget.acquired).toEqual(['poll']);
    });
  });
});

describe('outcomeOfError', () => {
  it.each([
    [new EngineError('rate_limited', '429', true, { retryAfterMs: 500 }), { result: 'rate_limited', retryAfterMs: 500 }],
    [new EngineError('unavailable', 'reset', true), { result: 'failed' }],
    [new EngineError('server', '500', true), { result: 'failed' }],
    [new EngineError('rejected', '400', false), { result: 'ok', latencyMs: 7 }],
    [new EngineError('contract', 'shape', false), { result: 'ok', latencyMs: 7 }],
    [new TypeError('fetch failed'), { result: 'failed' }],
  ])('maps %s', (err, expected) => {
    expect(outcomeOfError('bulk', err, 7)).toMatchObject({ cls: 'bulk', ...expected });
  });
});
