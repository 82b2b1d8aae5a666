import { describe, expect, it } from 'vitest';
import { type AlarmCommand, type AlarmState, decide, evolve, initialState } from '../../../src/domain/alarms/alarm-decider.js';
import type { AlarmEvent } from '../../../src/domain/alarms/alarm-events.js';
import { at, view } from './alarm-fixtures.js';

// given(events) / when(command) / then(events): the state is only ever built by folding events with evolve.
const given = (...events: AlarmEvent[]) => ({
  when: (command: AlarmCommand) => {
    const state = events.reduce<AlarmState>(evolve, initialState());
    const produced = decide(command, state);
    return {
      then: (...expected: AlarmEvent[]) => expect(produced).toEqual(expected),
      thenNothingHappened: () => expect(produced).toEqual([]),
    };
  },
});

const meta = { now: at(60) };
const firing = view();
const raised: AlarmEvent = { type: 'AlarmRaised', data: { alarm: firing } };
const observe = (over = {}): AlarmCommand => ({ type: 'ObserveAlarm', data: { alarm: view(over) }, metadata: meta });
const resolveCmd = (over: Partial<{ reason: 'engine_recovered' | 'absent_from_snapshots'; resolvedAt: string; withAlarm: boolean }> = {}): AlarmCommand => ({
  type: 'ResolveAlarm',
  data: {
    alarmId: firing.id,
    reason: over.reason ?? 'engine_recovered',
    resolvedAt: over.resolvedAt ?? at(30),
    ...(over.withAlarm ? { alarm: firing } : {}),
  },
  metadata: meta,
});
const resolved: AlarmEvent = {
  type: 'AlarmResolved',
  data: { alarm: { ...firing, status: 'resolved', resolvedAt: at(30) }, reason: 'engine_recovered' },
};

describe('Alarm decider', () => {
  describe('when nothing is known of the alarm', () => {
    it('raises it on its first observation', () => given().when(observe()).then(raised));
    it('ignores a resolve that carries no alarm', () => given().when(resolveCmd()).thenNothingHappened());
    it('raises then resolves an alarm first heard of in the history', () => given().when(resolveCmd({ withAlarm: true })).then(raised, resolved));
  });

  describe('when the alarm is firing', () => {
    it('does nothing when it is observed unchanged', () => given(raised).when(observe({ lastSeenAt: at(50) })).thenNothingHappened());
    it('updates the value and says what changed', () =>
      given(raised)
        .when(observe({ value: 97, lastSeenAt: at(50) }))
        .then({ type: 'AlarmUpdated', data: { alarm: { ...firing, value: 97, lastSeenAt: at(50) }, changed: ['value'] } }));
    it('updates severity and summary together', () =>
      given(raised)
        .when(observe({ level: 'critical', summary: 'worse' }))
        .then({ type: 'AlarmUpdated', data: { alarm: { ...firing, severity: 'critical', summary: 'worse' }, changed: ['severity', 'summary'] } }));
    it('keeps the identity and start of the alarm on an update', () => {
      const produced = decide(observe({ value: 1, firstSeenAt: at(5) }), evolve(initialState(), raised));
      expect(produced[0]?.data.alarm.startsAt).toBe(firing.startsAt);
    });
    it('takes the engine alarm id from the observation (after an engine switch, the new engine\'s), keeps rule and start', () => {
      const seen = { ...view({ alarmId: 'pa-9', value: 97, firstSeenAt: at(5), ruleName: 'other name' }), ruleId: 'other-rule' };
      const produced = decide({ type: 'ObserveAlarm', data: { alarm: seen }, metadata: meta }, evolve(initialState(), raised));
      expect(produced[0]?.data.alarm).toMatchObject({ id: firing.id, engineAlarmId: 'pa-9', ruleId: firing.ruleId, ruleName: firing.ruleName, startsAt: firing.startsAt, value: 97 });
    });
    it('resolves it at the engine recover time', () => given(raised).when(resolveCmd()).then(resolved));
    it('resolves it by absence with that reason', () =>
      given(raised)
        .when(resolveCmd({ reason: 'absent_from_snapshots', resolvedAt: at(60) }))
        .then({ type: 'AlarmResolved', data: { alarm: { ...firing, status: 'resolved', resolvedAt: at(60) }, reason: 'absent_from_snapshots' } }));
    it('never resolves before the alarm started', () => {
      const produced = decide(resolveCmd({ resolvedAt: at(-10) }), evolve(initialState(), raised));
      expect(produced[0]?.data.alarm.resolvedAt).toBe(firing.startsAt);
    });
  });

  describe('when the alarm is resolved', () => {
    it('does nothing on a second resolve', () => given(raised, resolved).when(resolveCmd({ reason: 'absent_from_snapshots' })).thenNothingHappened());
    it('does nothing on a late observation of the same episode', () => given(raised, resolved).when(observe({ value: 99 })).thenNothingHappened());
    it('raises again when the same identity starts a new episode after the resolve', () =>
      given(raised, resolved)
        .when(observe({ firstSeenAt: at(40), lastSeenAt: at(40) }))
        .then({ type: 'AlarmRaised', data: { alarm: view({ firstSeenAt: at(40), lastSeenAt: at(40) }) } }));
  });

  describe('evolve', () => {
    it('folds raised, updated, resolved into the last alarm view', () => {
      const updated: AlarmEvent = { type: 'AlarmUpdated', data: { alarm: { ...firing, value: 5 }, changed: ['value'] } };
      expect([raised, updated].reduce(evolve, initialState())).toEqual({ status: 'firing', alarm: { ...firing, value: 5 } });
      expect([raised, updated, resolved].reduce(evolve, initialState())).toEqual({ status: 'resolved', alarm: resolved.data.alarm });
    });
  });
});
