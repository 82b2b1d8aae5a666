import { describe, expect, it } from 'vitest';
import { type KnownAlarm, reconcile } from '../../../src/domain/alarms/reconcile.js';
import { at, engineAlarm, view } from './alarm-fixtures.js';

const known = (...entries: Array<[Parameters<typeof view>[0], number]>): Map<string, KnownAlarm> =>
  new Map(entries.map(([over, absentPolls]) => [view(over).id, { alarm: view(over), absentPolls }]));

const snapshot = (over: Partial<Parameters<typeof reconcile>[1]> = {}) => ({ firing: [], complete: true, history: [], now: at(60), ...over });

describe('reconcile', () => {
  describe('when an alarm is new', () => {
    it('observes it and knows it from then on', () => {
      const r = reconcile(new Map(), snapshot({ firing: [engineAlarm()] }));
      expect(r.commands.map((c) => c.type)).toEqual(['ObserveAlarm']);
      expect(r.known.get(view().id)).toEqual({ alarm: view(), absentPolls: 0 });
    });
  });

  describe('when a known alarm is seen again', () => {
    it('issues nothing when only its last-seen time moved', () => {
      const r = reconcile(known([{}, 0]), snapshot({ firing: [engineAlarm({ lastSeenAt: at(50) })] }));
      expect(r.commands).toEqual([]);
    });
    it('observes it when its value changed', () => {
      const r = reconcile(known([{}, 0]), snapshot({ firing: [engineAlarm({ value: 99 })] }));
      expect(r.commands).toMatchObject([{ type: 'ObserveAlarm', data: { alarm: { value: 99 } } }]);
    });
    it('observes it again while its first command is not proven stored', () => {
      const k = new Map([[view().id, { alarm: view(), absentPolls: 0, pending: true }]]);
      expect(reconcile(k, snapshot({ firing: [engineAlarm()] })).commands).toHaveLength(1);
    });
    it('resets its absence count', () => {
      expect(reconcile(known([{}, 2]), snapshot({ firing: [engineAlarm()], complete: false })).known.get(view().id)?.absentPolls).toBe(0);
    });
  });

  describe('when a page of the snapshot failed', () => {
    it('resolves nothing and counts no absence', () => {
      const r = reconcile(known([{}, 2]), snapshot({ complete: false }));
      expect(r.commands).toEqual([]);
      expect(r.known.get(view().id)?.absentPolls).toBe(2);
    });
  });

  describe('when a known alarm is missing from a complete snapshot', () => {
    it('counts the absence below K', () => {
      const r = reconcile(known([{}, 0]), snapshot(), 3);
      expect(r.commands).toEqual([]);
      expect(r.known.get(view().id)?.absentPolls).toBe(1);
    });
    it('resolves it at the K-th consecutive absence, now, and forgets it', () => {
      const r = reconcile(known([{}, 2]), snapshot(), 3);
      expect(r.commands).toMatchObject([{ type: 'ResolveAlarm', data: { alarmId: view().id, reason: 'absent_from_snapshots', resolvedAt: at(60) } }]);
      expect(r.known.size).toBe(0);
    });
  });

  describe('when the history says an alarm recovered', () => {
    const recovered = engineAlarm({ status: 'resolved', resolvedAt: at(30) });
    it('resolves a known alarm at the engine recover time, even with an incomplete snapshot', () => {
      const r = reconcile(known([{}, 0]), snapshot({ complete: false, history: [recovered] }));
      expect(r.commands).toMatchObject([{ type: 'ResolveAlarm', data: { reason: 'engine_recovered', resolvedAt: at(30) } }]);
      expect(r.known.size).toBe(0);
    });
    it('resolves an alarm never seen firing, carrying the alarm so it is raised first', () => {
      const r = reconcile(new Map(), snapshot({ history: [recovered] }));
      expect(r.commands).toMatchObject([{ type: 'ResolveAlarm', data: { alarmId: view().id, alarm: { id: view().id } } }]);
    });
    it('ignores firing entries of the history', () => {
      expect(reconcile(new Map(), snapshot({ history: [engineAlarm()] })).commands).toEqual([]);
    });
    it('ignores a recovery older than the episode it would resolve (labels-only identity firing again)', () => {
      const old = engineAlarm({ alarmId: '', status: 'resolved', firstSeenAt: at(0), resolvedAt: at(10) });
      const again = engineAlarm({ alarmId: '', firstSeenAt: at(20), lastSeenAt: at(50) });
      const k = new Map([[view({ alarmId: '' }).id, { alarm: view({ alarmId: '', firstSeenAt: at(20) }), absentPolls: 0 }]]);
      expect(reconcile(k, snapshot({ firing: [again], history: [old] })).commands.filter((c) => c.type === 'ResolveAlarm')).toEqual([]);
    });
  });

  describe('when the known episode of a series recovered and the next one fires before the poll', () => {
    const ep1 = { alarmId: 'a-1', firstSeenAt: at(0) };
    const recovered1 = engineAlarm({ ...ep1, status: 'resolved', resolvedAt: at(30) });
    const ep2 = engineAlarm({ alarmId: 'a-2', firstSeenAt: at(40), lastSeenAt: at(55), value: 95 });
    it('resolves the known episode at its recover time, and raises the next one at the following poll', () => {
      const first = reconcile(known([ep1, 0]), snapshot({ firing: [ep2], history: [recovered1] }));
      expect(first.commands).toMatchObject([{ type: 'ResolveAlarm', data: { alarmId: view().id, reason: 'engine_recovered', resolvedAt: at(30) } }]);
      // The history window overlaps: the same recovery is read again, now older than the episode firing.
      const next = reconcile(first.known, snapshot({ firing: [ep2], history: [recovered1], now: at(70) }));
      expect(next.commands).toMatchObject([{ type: 'ObserveAlarm', data: { alarm: { id: view().id, engineAlarmId: 'a-2', startsAt: at(40) } } }]);
    });
  });

  describe('when one identity appears twice in a snapshot', () => {
    it('issues one command with the later observation', () => {
      const r = reconcile(new Map(), snapshot({ firing: [engineAlarm({ value: 1, lastSeenAt: at(5) }), engineAlarm({ value: 2, lastSeenAt: at(9) })] }));
      expect(r.commands).toMatchObject([{ data: { alarm: { value: 2 } } }]);
    });
  });
});
