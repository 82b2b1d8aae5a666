import { describe, expect, it } from 'vitest';
import { alarmJsonOf, alarmJsonText, alarmViewDocOf } from '../../../src/application/alarms/alarm-view-json.js';
import type { AlarmViewDoc } from '../../../src/application/ports/alarm-view-store.js';
import { alarm } from '../../support/alarm-fixtures.js';

describe('an alarm-view document', () => {
  const doc: AlarmViewDoc = {
    alarm: alarm({ tags: { host: 'h1', note: 'quote " and \\ and 中文' }, value: null }),
    version: 4,
    lastEventId: '1764583200000-0',
    lastEventType: 'AlarmUpdated',
    updatedAt: '2026-12-01T10:05:00.000Z',
  };

  it('shows clients the alarm with its version and last change, nothing of the event', () => {
    expect(alarmJsonOf(doc)).toEqual({ ...doc.alarm, version: 4, updatedAt: '2026-12-01T10:05:00.000Z' });
    expect(alarmJsonText(doc)).not.toContain('1764583200000-0');
  });

  it('comes back whole from its JSON text and the event id and type', () => {
    expect(alarmViewDocOf(alarmJsonText(doc), doc.lastEventId, doc.lastEventType)).toEqual(doc);
  });
});
