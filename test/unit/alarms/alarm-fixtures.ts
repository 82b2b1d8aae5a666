import type { EngineAlarm } from '../../../src/domain/alarm.js';
import type { AlarmView } from '../../../src/domain/alarms/alarm-events.js';
import { alarmViewOf } from '../../../src/domain/alarms/reconcile.js';

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');
export const at = (secondsAfterT0: number): string => new Date(T0 + secondsAfterT0 * 1000).toISOString();

export function engineAlarm(over: Partial<EngineAlarm> = {}): EngineAlarm {
  return {
    alarmId: 'a-1',
    ruleId: 'r-1',
    ruleName: 'cpu high',
    metric: 'cpu.usage',
    tags: { host: 'web-1' },
    level: 'major',
    status: 'firing',
    firstSeenAt: at(0),
    lastSeenAt: at(0),
    value: 91,
    summary: 'cpu.usage{host=web-1} above 90, value 91.00',
    ...over,
  };
}

export const view = (over: Partial<EngineAlarm> = {}): AlarmView => alarmViewOf(engineAlarm(over));
