import { describe, expect, it } from 'vitest';
import { endingAlerts, firingAlert, resolvedAlerts } from '../../../src/infrastructure/alarm-sinks/alertmanager-alerts.js';
import { alarmView } from '../../support/alarm-sink-fixtures.js';

const startsAt = '2026-12-02T03:00:00.000Z';

describe('a firing alarm as an alert', () => {
  it('ends at the lease given, starts when the engine says it started, links back when asked', () => {
    const alarm = alarmView({ startsAt });
    const a = firingAlert(alarm, new Date('2026-12-02T03:00:40.000Z'), { generatorUrl: (x) => `http://b/alarms/${x.id}` });
    expect(a).toMatchObject({ startsAt, endsAt: '2026-12-02T03:00:40.000Z', generatorURL: `http://b/alarms/${alarm.id}` });
    expect(a.labels.severity).toBe('major');
    expect(a.annotations).toMatchObject({ summary: alarm.summary, value: '97.5', engine_alarm_id: 'eng-1001' });
  });

  it('leaves engine_alarm_id out and value empty when the engine gave none', () => {
    const a = firingAlert(alarmView({ engineAlarmId: null, value: null }), new Date(), {});
    expect(a.annotations).not.toHaveProperty('engine_alarm_id');
    expect(a.annotations.value).toBe('');
    expect(a).not.toHaveProperty('generatorURL');
  });
});

describe('a resolved alarm as alerts', () => {
  it('ends the alert of every severity at the resolve time, one of them with the firing label set', () => {
    const alarm = alarmView({ startsAt, severity: 'minor' });
    const firing = firingAlert(alarm, new Date('2026-12-02T03:10:00.000Z'), {});
    const ended = resolvedAlerts({ ...alarm, status: 'resolved', resolvedAt: '2026-12-02T03:05:00.000Z' }, 'unused', {});
    expect(ended.map((a) => a.labels.severity).sort()).toEqual(['critical', 'major', 'minor', 'warning']);
    expect(ended.every((a) => a.endsAt === '2026-12-02T03:05:00.000Z')).toBe(true);
    expect(ended.map((a) => a.labels)).toContainEqual(firing.labels);
  });

  it('never ends before it started (Alertmanager would refuse the resolve)', () => {
    const ended = resolvedAlerts({ ...alarmView({ startsAt }), resolvedAt: '2026-12-02T02:59:00.000Z' }, 'unused', {});
    expect(ended.every((a) => a.endsAt === startsAt)).toBe(true);
  });

  it('uses the fallback time when the view carries no resolve time', () => {
    const ended = resolvedAlerts(alarmView({ startsAt, resolvedAt: null }), '2026-12-02T03:07:00.000Z', {});
    expect(ended[0]!.endsAt).toBe('2026-12-02T03:07:00.000Z');
  });
});

describe('a severity change', () => {
  it('ends every other severity and keeps the new one', () => {
    const alarm = alarmView({ startsAt, severity: 'critical' });
    expect(endingAlerts(alarm, new Date(), {}, 'critical').map((a) => a.labels.severity).sort()).toEqual(['major', 'minor', 'warning']);
  });
});
