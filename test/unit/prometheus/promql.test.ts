import { describe, expect, it } from 'vitest';
import type { DetectionRuleSpec } from '../../../src/domain/detection-rule.js';
import { checkRule, globToRegex, ruleExpr, selector } from '../../../src/infrastructure/engines/prometheus/promql.js';

const rule = (algorithm: DetectionRuleSpec['algorithm'], tagFilter: Record<string, string> = { host: 'web-*' }): DetectionRuleSpec => ({
  name: 'r',
  metric: 'cpu.usage_user',
  tagFilter,
  algorithm,
  level: 'major',
  enabled: true,
});

describe('a rule as PromQL', () => {
  it('writes a threshold as a comparison with for:', () => {
    expect(ruleExpr(rule({ kind: 'threshold', operator: '>=', value: 90.5, durationSeconds: 60 }))).toEqual({
      expr: 'cpu:usage_user{host=~"web-.*"} >= 90.5',
      forSeconds: 60,
    });
  });

  it('writes a baseline as the z-score test against mean ± k·σ over the window, per direction', () => {
    const up = ruleExpr(rule({ kind: 'baseline', windowSeconds: 3600, sensitivity: 3, direction: 'up', durationSeconds: 0 }, {}));
    expect(up.expr).toBe('cpu:usage_user{} > (avg_over_time(cpu:usage_user{}[3600s]) + 3 * stddev_over_time(cpu:usage_user{}[3600s]))');
    const down = ruleExpr(rule({ kind: 'baseline', windowSeconds: 600, sensitivity: 2.5, direction: 'down', durationSeconds: 30 }, {}));
    expect(down).toEqual({ expr: 'cpu:usage_user{} < (avg_over_time(cpu:usage_user{}[600s]) - 2.5 * stddev_over_time(cpu:usage_user{}[600s]))', forSeconds: 30 });
    const both = ruleExpr(rule({ kind: 'baseline', windowSeconds: 600, sensitivity: 2, direction: 'both', durationSeconds: 0 }, {}));
    expect(both.expr).toMatch(/^\(.* > .*\) or \(.* < .*\)$/);
  });

  it('writes a forecast as predict_linear over a window clamped to 5 min … 6 h', () => {
    expect(ruleExpr(rule({ kind: 'forecast', horizonSeconds: 60, operator: '>', value: 95 }, {})).expr).toBe('predict_linear(cpu:usage_user{}[300s], 60) > 95');
    expect(ruleExpr(rule({ kind: 'forecast', horizonSeconds: 1800, operator: '<', value: 5 }, {})).expr).toBe('predict_linear(cpu:usage_user{}[1800s], 1800) < 5');
    expect(ruleExpr(rule({ kind: 'forecast', horizonSeconds: 86400, operator: '>', value: 1 }, {})).expr).toContain('[21600s], 86400)');
  });
});

describe('selectors', () => {
  it('quote values, match exact tags with = and globs with an escaped regex', () => {
    expect(selector('m.x', { dc: 'sh "1"', host: 'a.b*' }, true)).toBe('m:x{dc="sh \\"1\\"",host=~"a\\\\.b.*"}');
    expect(selector('m.x', { host: 'a*' }, false)).toBe('m:x{host="a*"}');
    expect(selector('m.x', { host: 'a\\*' }, true)).toBe('m:x{host="a*"}');
    expect(globToRegex('w?b-(1)')).toBe('w.b-\\(1\\)');
  });
});

describe('rules PromQL cannot run', () => {
  it('are refused before anything is written', () => {
    const bad: DetectionRuleSpec[] = [
      { ...rule({ kind: 'threshold', operator: '>', value: 1, durationSeconds: 0 }), metric: ' ' },
      rule({ kind: 'threshold', operator: '>', value: Number.NaN, durationSeconds: 0 }),
      rule({ kind: 'baseline', windowSeconds: 0, sensitivity: 3, direction: 'up', durationSeconds: 0 }),
      rule({ kind: 'baseline', windowSeconds: 60, sensitivity: 0, direction: 'up', durationSeconds: 0 }),
      rule({ kind: 'forecast', horizonSeconds: 0, operator: '>', value: 1 }),
      rule({ kind: 'threshold', operator: '>', value: 1, durationSeconds: -1 }),
      rule({ kind: 'threshold', operator: '>', value: 1, durationSeconds: 0 }, { host: '' }),
    ];
    for (const r of bad) expect(() => checkRule(r)).toThrow(expect.objectContaining({ kind: 'rejected' }));
    expect(() => checkRule(rule({ kind: 'threshold', operator: '>', value: -1, durationSeconds: 0 }))).not.toThrow();
  });
});
