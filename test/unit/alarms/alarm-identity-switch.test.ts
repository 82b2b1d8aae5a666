import { describe, expect, it } from 'vitest';
import { InMemoryKnownAlarmIndex } from '../../../src/application/alarms/in-memory-known-alarm-index.js';
import { pollAlarms, type PollAlarmsDeps } from '../../../src/application/alarms/poll-alarms.js';
import { InMemoryEventStore } from '../../../src/application/event-store/in-memory-event-store.js';
import type { EngineRuleLinks } from '../../../src/application/ports/engine-rule-links.js';
import type { EngineAlarm } from '../../../src/domain/alarm.js';
import { ALARM_CATEGORY, type AlarmEvent } from '../../../src/domain/alarms/alarm-events.js';
import { fnv1a128 } from '../../../src/domain/alarms/alarm-identity.js';
import { at, engineAlarm, T0 } from './alarm-fixtures.js';

/**
 * An engine switch seen by the poll: our rule `rule-1` is `sz-7` in engine A (数智慧: its own alarm ids) and
 * `pr-x` in engine B (Prometheus: another alarm id, a later start). Same store and known-alarm index throughout,
 * as in a fleet restarted with the other `engine.kind`.
 */
const linksOf = (m: Record<string, string>): Pick<EngineRuleLinks, 'all'> => ({ all: async () => new Map(Object.entries(m)) });
const onA = engineAlarm({ alarmId: 'sz-alarm-1', ruleId: 'sz-7', tags: { host: 'web-1' }, value: 91 });
const onB = engineAlarm({ alarmId: 'pa-0123', ruleId: 'pr-x', tags: { host: 'web-1' }, value: 93, firstSeenAt: at(40), summary: 'other words' });

function fleet() {
  const store = new InMemoryEventStore();
  const index = new InMemoryKnownAlarmIndex();
  let now = T0;
  const deps = (alarms: EngineAlarm[], links: Record<string, string>): PollAlarmsDeps => ({
    engine: { listCurrentAlarms: async () => ({ alarms, complete: true }), listAlarmHistory: async () => ({ alarms: [], complete: true }) },
    store,
    index,
    ruleLinks: linksOf(links),
    clock: () => new Date((now += 10_000)),
    newId: () => `poll-${now}`,
    absentLimit: 3,
    historyOverlapMs: 1_000,
    maxHistoryWindowMs: 60_000,
  });
  const log = async () => (await store.readCategory(ALARM_CATEGORY, { after: null, maxCount: 100 })).map((e) => ({ type: e.type, stream: e.streamName }));
  return { store, index, deps, log };
}

describe('an alarm open on engine A', () => {
  describe('when the fleet polls engine B, which fires the same rule on the same series', () => {
    it('keeps the alarm id: at most an update, no resolve and no second raise', async () => {
      const f = fleet();
      await pollAlarms(f.deps([onA], { 'rule-1': 'sz-7' }));
      const [raised] = await f.log();
      for (let i = 0; i < 4; i++) await pollAlarms(f.deps([onB], { 'rule-1': 'pr-x' }));
      const log = await f.log();
      expect(log.map((e) => e.type)).toEqual(['AlarmRaised', 'AlarmUpdated']);
      expect(new Set(log.map((e) => e.stream))).toEqual(new Set([raised?.stream]));
      expect([...f.index.entries.keys()]).toEqual([raised?.stream.slice(ALARM_CATEGORY.length + 1)]);
    });

    it('names our rule, not either engine rule, in the alarm', async () => {
      const f = fleet();
      await pollAlarms(f.deps([onA], { 'rule-1': 'sz-7' }));
      await pollAlarms(f.deps([onB], { 'rule-1': 'pr-x' }));
      const events = await f.store.readCategory<AlarmEvent>(ALARM_CATEGORY, { after: null, maxCount: 10 });
      expect(events.map((e) => e.data.alarm)).toMatchObject([
        { ruleId: 'rule-1', startsAt: onA.firstSeenAt, value: onA.value },
        { ruleId: 'rule-1', startsAt: onA.firstSeenAt, value: onB.value, summary: onB.summary },
      ]);
    });
  });

  describe('when B fires the same rule on another series', () => {
    it('raises a new alarm and resolves the old one by absence', async () => {
      const f = fleet();
      await pollAlarms(f.deps([onA], { 'rule-1': 'sz-7' }));
      for (let i = 0; i < 3; i++) await pollAlarms(f.deps([{ ...onB, tags: { host: 'web-2' } }], { 'rule-1': 'pr-x' }));
      expect((await f.log()).map((e) => e.type).sort()).toEqual(['AlarmRaised', 'AlarmRaised', 'AlarmResolved']);
    });
  });
});

describe('an alarm stored under the engine-alarm-id identity of an earlier version', () => {
  // What that version wrote: the id from the engine's alarm id, the engine's rule id in the view.
  const legacyId = fnv1a128(`E${onA.alarmId.length}:${onA.alarmId}`);
  const legacyView = { id: legacyId, engineAlarmId: onA.alarmId, ruleId: 'sz-7', ruleName: onA.ruleName, metric: onA.metric, tags: onA.tags, severity: onA.level, status: 'firing' as const, value: onA.value, summary: onA.summary, startsAt: onA.firstSeenAt, lastSeenAt: onA.lastSeenAt, resolvedAt: null };

  async function upgraded() {
    const f = fleet();
    await f.store.appendToStream(`${ALARM_CATEGORY}-${legacyId}`, [{ type: 'AlarmRaised', data: { alarm: legacyView } }]);
    f.index.entries.set(legacyId, { alarm: legacyView, absentPolls: 0 });
    return f;
  }

  describe('when the upgraded poll sees it on the same engine', () => {
    it('goes on under the old id', async () => {
      const f = await upgraded();
      for (let i = 0; i < 4; i++) await pollAlarms(f.deps([onA], { 'rule-1': 'sz-7' }));
      expect((await f.log()).map((e) => e.type)).toEqual(['AlarmRaised']);
      expect([...f.index.entries.keys()]).toEqual([legacyId]);
    });
    it('resolves it under the old id when it stops', async () => {
      const f = await upgraded();
      for (let i = 0; i < 3; i++) await pollAlarms(f.deps([], { 'rule-1': 'sz-7' }));
      expect(await f.log()).toEqual([
        { type: 'AlarmRaised', stream: `${ALARM_CATEGORY}-${legacyId}` },
        { type: 'AlarmResolved', stream: `${ALARM_CATEGORY}-${legacyId}` },
      ]);
    });
  });

  describe('when, after one upgraded poll, the fleet switches to engine B', () => {
    it('still goes on under the old id', async () => {
      const f = await upgraded();
      await pollAlarms(f.deps([onA], { 'rule-1': 'sz-7' }));
      for (let i = 0; i < 4; i++) await pollAlarms(f.deps([onB], { 'rule-1': 'pr-x' }));
      const log = await f.log();
      expect(log.map((e) => e.type)).toEqual(['AlarmRaised', 'AlarmUpdated']);
      expect(new Set(log.map((e) => e.stream))).toEqual(new Set([`${ALARM_CATEGORY}-${legacyId}`]));
    });
  });
});
