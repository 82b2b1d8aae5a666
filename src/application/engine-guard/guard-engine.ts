import type { AnalysisEngine } from '../ports/analysis-engine.js';
import type { EngineBreaker } from '../ports/engine-breaker.js';
import type { CallClass, CallOutcome, EngineBudget, EngineRequestHooks } from '../ports/engine-budget.js';
import { isEngineError } from '../ports/engine-errors.js';

export type EngineMethod = keyof AnalysisEngine;

/** Metric pushes are the backlog; alarm lists keep alarms flowing; everything else has someone waiting. */
export const callClassOf = (method: EngineMethod): CallClass => {
  switch (method) {
    case 'pushMetrics':
      return 'bulk';
    case 'listCurrentAlarms':
    case 'listAlarmHistory':
      return 'poll';
    case 'trend':
    case 'listRules':
    case 'createRule':
    case 'updateRule':
    case 'deleteRule':
      return 'interactive';
    default: {
      const unknown: never = method;
      throw new TypeError(`unknown engine method ${String(unknown)}`);
    }
  }
};

/**
 * What a failed request tells the budget. Only a 429 cuts the rate; network errors and 5xx are the breaker's
 * business; any other error means the engine answered, so its latency is a fair sample.
 */
export const outcomeOfError = (cls: CallClass, err: unknown, latencyMs: number): CallOutcome => {
  if (!isEngineError(err)) return { cls, result: 'failed' };
  const retryAfterMs = err.details.retryAfterMs;
  switch (err.kind) {
    case 'rate_limited':
      return { cls, result: 'rate_limited', retryAfterMs };
    case 'unavailable':
    case 'server':
      return { cls, result: 'failed', retryAfterMs };
    default:
      return { cls, result: 'ok', latencyMs, retryAfterMs };
  }
};

/**
 * The hooks an engine adapter calls around every HTTP request it sends (each page, each chunk, each re-login):
 * the way to keep the fleet-wide cap exact when one port call makes several requests. With `breaker`, a
 * request of a multi-request call is refused (CircuitOpenError, no token spent) once the circuit has opened
 * meanwhile, so a 20-page poll stops at the page where the engine went down; the adapter must let errors
 * from `beforeRequest` propagate.
 */
export const budgetRequestHooks = (budget: EngineBudget, options: { readonly breaker?: EngineBreaker } = {}): EngineRequestHooks => ({
  beforeRequest: async (cls, signal) => {
    options.breaker?.failFastIfOpen();
    return budget.acquire(cls, signal);
  },
  afterResponse: (outcome, grant) => {
    if (grant !== undefined) budget.answered(grant);
    void budget.report(outcome);
  },
  answered: (grant) => budget.answered(grant),
});

export interface EngineGuardOptions {
  readonly breaker: EngineBreaker;
  /**
   * One budget token per port call, with latency and 429s fed back. Leave it out when the adapter is wired
   * with `budgetRequestHooks` (one token per HTTP request): with both, every call would be counted twice.
   */
  readonly budget?: EngineBudget;
  readonly classify?: (method: EngineMethod) => CallClass;
}

/**
 * Wraps an engine so every call goes through the fleet-shared breaker (and the budget, when given). Order: a
 * local fail-fast check (no I/O) so an open circuit spends no budget, then the budget wait, then the breaker's
 * shared check and the call; latency is measured around the call alone, not the wait.
 */
export const guardEngine = (engine: AnalysisEngine, options: EngineGuardOptions): AnalysisEngine => {
  const { breaker, budget } = options;
  const classify = options.classify ?? callClassOf;

  const guarded = async <T>(method: EngineMethod, call: () => Promise<T>): Promise<T> => {
    const cls = classify(method);
    breaker.failFastIfOpen();
    if (budget === undefined) return breaker.run(call);
    const grant = await budget.acquire(cls);
    return breaker.run(async () => {
      const started = performance.now();
      try {
        const result = await call();
        budget.answered(grant);
        void budget.report({ cls, result: 'ok', latencyMs: performance.now() - started });
        return result;
      } catch (err) {
        budget.answered(grant);
        void budget.report(outcomeOfError(cls, err, performance.now() - started));
        throw err;
      }
    });
  };

  return {
    pushMetrics: (points, requestId) => guarded('pushMetrics', () => engine.pushMetrics(points, requestId)),
    trend: (query) => guarded('trend', () => engine.trend(query)),
    listRules: () => guarded('listRules', () => engine.listRules()),
    createRule: (rule) => guarded('createRule', () => engine.createRule(rule)),
    updateRule: (id, rule) => guarded('updateRule', () => engine.updateRule(id, rule)),
    deleteRule: (id) => guarded('deleteRule', () => engine.deleteRule(id)),
    listCurrentAlarms: () => guarded('listCurrentAlarms', () => engine.listCurrentAlarms()),
    listAlarmHistory: (range) => guarded('listAlarmHistory', () => engine.listAlarmHistory(range)),
  };
};
