import { describe, expect, it } from 'vitest';
import { isolateRejected, IsolationInterrupted } from '../../../src/application/forwarding/isolate-rejected.js';
import { EngineError } from '../../../src/application/ports/engine-errors.js';
import type { MetricPoint } from '../../../src/domain/metric.js';

const points = (n: number, bad: readonly number[]): MetricPoint[] =>
  Array.from({ length: n }, (_, i): MetricPoint => {
    const tags: Record<string, string> = bad.includes(i) ? { poison: '1', i: String(i) } : { i: String(i) };
    return { name: 'm.v', tags, ts: 1_700_000_000_000 + i, value: i };
  });

/** An all-or-nothing engine: one poisoned item refuses the whole request, naming it. */
const strictEngine = (opts: { failAfter?: number } = {}) => {
  const accepted: MetricPoint[] = [];
  const ids: string[] = [];
  return {
    accepted,
    ids,
    async pushMetrics(batch: readonly MetricPoint[], requestId: string) {
      ids.push(requestId);
      if (opts.failAfter !== undefined && ids.length > opts.failAfter) throw new EngineError('server', 'HTTP 500', true, { status: 500 });
      const bad = batch.findIndex((p) => p.tags.poison !== undefined);
      if (bad >= 0) throw new EngineError('rejected', `engine code 1001 (items[${bad}].tags.poison: refused)`, false, { engineCode: 1001 });
      accepted.push(...batch);
      return { accepted: batch.length };
    },
  };
};
const first = new EngineError('rejected', 'engine code 1001', false, { engineCode: 1001 });

describe('a batch an all-or-nothing engine refused for one point', () => {
  it('delivers every other point and returns the refused one with the engine message', async () => {
    const engine = strictEngine();
    const batch = points(5000, [1234]);
    const r = await isolateRejected(engine, batch, 'b1', first, { maxRequests: 100 });
    expect(r.rejected.map((x) => x.point)).toEqual([batch[1234]]);
    expect(r.rejected[0]?.reason).toContain('items[0].tags.poison');
    expect(engine.accepted).toHaveLength(4999);
    expect(r.accepted).toBe(4999);
    // About 2·log2(5000) requests, each one an ordinary push with a derived, deterministic id.
    expect(r.requests).toBeLessThanOrEqual(2 * 13 + 2);
    expect(new Set(engine.ids).size).toBe(engine.ids.length);
    expect(engine.ids.every((id) => id.startsWith('b1.'))).toBe(true);
  });

  it('isolates several refused points as well', async () => {
    const engine = strictEngine();
    const r = await isolateRejected(engine, points(1000, [0, 500, 999]), 'b2', first, { maxRequests: 100 });
    expect(r.rejected.map((x) => x.point.tags.i).sort()).toEqual(['0', '500', '999']);
    expect(engine.accepted).toHaveLength(997);
  });
});

describe('when the request allowance runs out', () => {
  it('returns the parts still refused whole instead of sending more', async () => {
    const engine = strictEngine();
    const r = await isolateRejected(engine, points(1000, Array.from({ length: 100 }, (_, i) => i * 10)), 'b3', first, { maxRequests: 10 });
    expect(engine.ids.length).toBeLessThanOrEqual(12);
    expect(r.accepted + r.rejected.length).toBe(1000);
  });
});

describe('when a retryable failure interrupts the split', () => {
  it('reports the points not delivered yet, so a retry sends nothing twice', async () => {
    const engine = strictEngine({ failAfter: 3 });
    const batch = points(64, [60]);
    const err = await isolateRejected(engine, batch, 'b4', first, { maxRequests: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IsolationInterrupted);
    const remaining = (err as IsolationInterrupted).remaining;
    expect(remaining.length + engine.accepted.length).toBe(64);
    expect(remaining).toContain(batch[60]);
    expect(remaining.some((p) => engine.accepted.includes(p))).toBe(false);
  });
});
