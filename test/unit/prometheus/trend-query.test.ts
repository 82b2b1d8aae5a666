import { describe, expect, it } from 'vitest';
import type { DetectionRuleSpec } from '../../../src/domain/detection-rule.js';
import { assembleTrend, bandRulesFor, matrixByQuery, stepTimes, trendQueries } from '../../../src/infrastructure/engines/prometheus/trend-query.js';

const base = { name: 'r', metric: 'cpu.usage_user', level: 'major', enabled: true } as const;
const baseline: DetectionRuleSpec = { ...base, tagFilter: { host: 'web-*' }, algorithm: { kind: 'baseline', windowSeconds: 600, sensitivity: 2, direction: 'both', durationSeconds: 0 } };
const forecast: DetectionRuleSpec = { ...base, tagFilter: {}, algorithm: { kind: 'forecast', horizonSeconds: 1800, operator: '>', value: 95 } };
const threshold: DetectionRuleSpec = { ...base, tagFilter: { host: 'web-1' }, algorithm: { kind: 'threshold', operator: '>', value: 90, durationSeconds: 0 } };
const q = { metric: 'cpu.usage_user', tags: { host: 'web-1' }, startMs: 1_000_000, endMs: 1_040_000, stepSeconds: 10 };

describe('the band of a trend', () => {
  it('comes from the rules that watch the series: enabled, same metric, tag globs matching', () => {
    expect(bandRulesFor([baseline, forecast, threshold], 'cpu.usage_user', { host: 'web-1' })).toEqual({
      baseline: baseline.algorithm,
      forecast: forecast.algorithm,
      threshold: threshold.algorithm,
    });
    expect(bandRulesFor([baseline, { ...forecast, enabled: false }, { ...threshold, metric: 'x' }], 'cpu.usage_user', { host: 'db-1' })).toEqual({});
  });

  it("uses the baseline rule's window and the forecast rule's window in the queries, else an hour", () => {
    const band = bandRulesFor([baseline, forecast], 'cpu.usage_user', { host: 'web-1' });
    const withRules = trendQueries(q, band, 1_020_000);
    expect(withRules.past).toContain('avg_over_time(cpu:usage_user{host="web-1"}[600s])');
    expect(withRules.past).toContain('stddev_over_time(cpu:usage_user{host="web-1"}[600s])');
    expect(withRules.future).toContain('predict_linear(cpu:usage_user{host="web-1"}[1800s] @ 1020.000, time() - 1020.000)');
    const none = trendQueries(q, {}, 1_020_000);
    expect(none.past).toContain('[3600s]');
    expect(none.future).toContain('[3600s] @ 1020.000');
  });

  it('is mean ∓ k·σ up to now, the forecast after, and a threshold replaces the side it guards', () => {
    const past = matrixByQuery(
      { resultType: 'matrix', result: [
        { metric: { aiops_q: 'a' }, values: [[1000, '5'], [1010, '6'], [1020, '7']] },
        { metric: { aiops_q: 'm' }, values: [[1000, '5'], [1010, '5.5'], [1020, '6']] },
        { metric: { aiops_q: 's' }, values: [[1000, '0'], [1010, '0.5'], [1020, '1']] },
      ] },
      'test',
    );
    const future = matrixByQuery({ resultType: 'matrix', result: [{ metric: { aiops_q: 'p' }, values: [[1030, '8'], [1040, '9']] }, { metric: { aiops_q: 's' }, values: [[1030, '1'], [1040, '1']] }] }, 'test');
    const band = bandRulesFor([baseline], 'cpu.usage_user', { host: 'web-1' });
    const trend = assembleTrend(q, stepTimes(q), 1_020_000, past, future, band);
    expect(trend.points).toEqual([
      { at: '1970-01-01T00:16:40.000Z', actual: 5, predicted: 5, lower: 5, upper: 5 },
      { at: '1970-01-01T00:16:50.000Z', actual: 6, predicted: 5.5, lower: 4.5, upper: 6.5 },
      { at: '1970-01-01T00:17:00.000Z', actual: 7, predicted: 6, lower: 4, upper: 8 },
      { at: '1970-01-01T00:17:10.000Z', actual: null, predicted: 8, lower: 6, upper: 10 },
      { at: '1970-01-01T00:17:20.000Z', actual: null, predicted: 9, lower: 7, upper: 11 },
    ]);
    const guarded = assembleTrend(q, stepTimes(q), 1_020_000, past, future, { ...band, threshold: { kind: 'threshold', operator: '>', value: 90, durationSeconds: 0 } });
    expect(guarded.points.map((p) => p.upper)).toEqual([90, 90, 90, 90, 90]);
  });

  it('refuses tags that match several series, too many points, and an unknown answer shape', () => {
    const two = { resultType: 'matrix', result: [{ metric: { aiops_q: 'a', host: '1' }, values: [] }, { metric: { aiops_q: 'a', host: '2' }, values: [] }] };
    expect(() => matrixByQuery(two, 'test')).toThrow(expect.objectContaining({ kind: 'rejected' }));
    expect(() => stepTimes({ ...q, endMs: q.startMs + 20_000_000, stepSeconds: 1 })).toThrow(expect.objectContaining({ kind: 'rejected' }));
    expect(() => matrixByQuery({ resultType: 'vector', result: [] }, 'test')).toThrow(expect.objectContaining({ kind: 'contract' }));
  });
});
