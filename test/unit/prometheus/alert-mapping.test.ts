import { describe, expect, it } from 'vitest';
import { alarmsFromAlerts } from '../../../src/infrastructure/engines/prometheus/alert-mapping.js';

const alert = (over: Record<string, unknown> = {}, labels: Record<string, string> = {}) => ({
  labels: { alertname: 'aiops_rule_pr_1', aiops_rule_id: 'pr-1', aiops_ruleset: 'rs', aiops_level: 'critical', aiops_metric: 'cpu.usage_user', host: 'web-1', aiops_x_64632d6e616d65: 'sh', ...labels },
  annotations: { aiops_rule_name: 'cpu high', summary: 'cpu high: cpu.usage_user = 97' },
  state: 'firing',
  activeAt: '2026-12-02T03:30:00.123456789Z',
  value: '9.7e+01',
  ...over,
});
const NOW = '2026-12-02T03:31:00.000Z';

describe('Prometheus alerts of our rule set', () => {
  it('become our alarms: tags decoded, our labels left out, times in ISO-8601 UTC, value parsed', () => {
    const [a] = alarmsFromAlerts({ alerts: [alert()] }, 'rs', NOW);
    expect(a).toMatchObject({
      ruleId: 'pr-1',
      ruleName: 'cpu high',
      metric: 'cpu.usage_user',
      tags: { host: 'web-1', 'dc-name': 'sh' },
      level: 'critical',
      status: 'firing',
      firstSeenAt: '2026-12-02T03:30:00.123Z',
      lastSeenAt: NOW,
      value: 97,
    });
  });

  it('keep one id while they fire and get a new one when the series breaches again', () => {
    const first = alarmsFromAlerts({ alerts: [alert()] }, 'rs', NOW)[0]?.alarmId;
    expect(alarmsFromAlerts({ alerts: [alert({ value: '120' })] }, 'rs', '2026-12-02T03:40:00.000Z')[0]?.alarmId).toBe(first);
    expect(alarmsFromAlerts({ alerts: [alert({ activeAt: '2026-12-02T03:50:00Z' })] }, 'rs', NOW)[0]?.alarmId).not.toBe(first);
    expect(alarmsFromAlerts({ alerts: [alert({}, { host: 'web-2' })] }, 'rs', NOW)[0]?.alarmId).not.toBe(first);
  });

  it('leave out pending alerts and other rule sets', () => {
    expect(alarmsFromAlerts({ alerts: [alert({ state: 'pending' }), alert({}, { aiops_ruleset: 'other' }), { labels: { alertname: 'x' }, state: 'firing' }] }, 'rs', NOW)).toEqual([]);
  });

  it('are a contract error naming the field when the shape is not the alerts API', () => {
    expect(() => alarmsFromAlerts({ alert: [] }, 'rs', NOW)).toThrow(expect.objectContaining({ kind: 'contract', details: { field: 'data.alerts' } }));
    expect(() => alarmsFromAlerts({ alerts: [alert({ activeAt: 'yesterday' })] }, 'rs', NOW)).toThrow(expect.objectContaining({ kind: 'contract' }));
    expect(() => alarmsFromAlerts({ alerts: [alert({}, { aiops_level: 'p1' })] }, 'rs', NOW)).toThrow(/aiops_level/);
  });
});
