import { describe, expect, it } from 'vitest';
import { InMemoryKnownAlarmIndex } from '../../../src/application/alarms/in-memory-known-alarm-index.js';
import { pollAlarms, type PollAlarmsDeps } from '../../../src/application/alarms/poll-alarms.js';
import { InMemoryEventStore } from '../../../src/application/event-store/in-memory-event-store.js';
import type { AlarmList } from '../../../src/application/ports/analysis-engine.js';
import { EngineError } from '../../../src/application/ports/engine-errors.js';
import type { EventStore } from '../../../src/application/ports/event-store.js';
import type { EngineAlarm } from '../../../src/domain/alarm.js';
import { alarmStream } from '../../../src/domain/alarms/alarm-events.js';
import { alarmViewOf } from '../../../src/domain/alarms/reconcile.js';
import { at, engineAlarm, T0 } from './alarm-fixtures.js';

/** An engine double of the two list calls: what each next call answers, and the history ranges asked for. */
function engineOf() {
  const e = {
    current: { alarms: [] as EngineAlarm[], complete: true, pages: 1, drift: 0 } as AlarmList | Error,
    history: { alarms: [] as EngineAlarm[], complete: true, pages: 1, drift: 0 } as AlarmList | Error,
    ranges: [] as { startMs: number; endMs: number }[],
    listCurrentAlarms: async () => (e.current instanceof Error ? Promise.reject(e.current) : e.current),
    listAlarmHistory: async (r: { startMs: number; endMs: number }) => {
      e.ranges.push(r);
      return e.history instanceof Error ? Promise.reject(e.history) : e.history;
    },
  };
  return e;
}

function setup(store: EventStore = new InMemoryEventStore()) {
  const engine = engineOf();
  const index = new InMemoryKnownAlarmIndex();
  let now = T0;
  let ids = 0;
  const deps: PollAlarmsDeps = {
    engine,
    store,
    index,
    ruleLinks: { all: async () => new Map() },
    clock: () => new Date(now),
    newId: () => `poll-${++ids}`,
    absentLimit: 3,
    historyOverlapMs: 1_000,
    maxHistoryWindowMs: 60_000,
  };
  const poll = async () => {
    now += 10_000;
    return pollAlarms(deps);
  };
  const types = async (a: EngineAlarm) => (await store.readStream(alarmStream(alarmViewOf(a).id))).events.map((e) => e.type);
  return { engine, index, store, poll, types, deps };
}

const a1 = engineAlarm();
const a2 = engineAlarm({ alarmId: 'a-2', tags: { host: 'web-2' } });

describe('pollAlarms', () => {
  describe('when the engine shows new alarms', () => {
    it('raises each on its own stream, with the poll id as metadata, and knows them', async () => {
      const t = setup();
      t.engine.current = { alarms: [a1, a2], complete: true, pages: 1, drift: 0 };
      const report = await t.poll();
      expect(report).toMatchObject({ ok: true, complete: true, raised: 2, updated: 0, resolved: 0, failed: 0, pages: 2, firing: 2 });
      const { events } = await t.store.readStream(alarmStream(alarmViewOf(a1).id));
      expect(events[0]?.metadata).toMatchObject({ pollId: report.pollId, correlationId: report.pollId });
      expect([...t.index.entries.values()].map((k) => k.pending)).toEqual([undefined, undefined]);
    });

    it('writes nothing again when polled unchanged (applying twice gives the same result)', async () => {
      const t = setup();
      t.engine.current = { alarms: [a1], complete: true };
      await t.poll();
      expect(await t.poll()).toMatchObject({ raised: 0, updated: 0, resolved: 0 });
      expect(await t.types(a1)).toEqual(['AlarmRaised']);
    });
  });

  describe('when a known alarm vanishes', () => {
    it('resolves nothing while snapshots are incomplete', async () => {
      const t = setup();
      t.engine.current = { alarms: [a1, a2], complete: true };
      await t.poll();
      t.engine.current = { alarms: [a1], complete: false };
      for (let i = 0; i < 10; i++) expect((await t.poll()).resolved).toBe(0);
      expect(await t.types(a2)).toEqual(['AlarmRaised']);
    });

    it('resolves it at the K-th complete snapshot without it', async () => {
      const t = setup();
      t.engine.current = { alarms: [a1], complete: true };
      await t.poll();
      t.engine.current = { alarms: [], complete: true };
      expect((await t.poll()).resolved).toBe(0);
      expect((await t.poll()).resolved).toBe(0);
      expect((await t.poll()).resolved).toBe(1);
      expect(await t.types(a1)).toEqual(['AlarmRaised', 'AlarmResolved']);
      expect(t.index.entries.size).toBe(0);
    });

    it('resolves it at once when the history says it recovered', async () => {
      const t = setup();
      t.engine.current = { alarms: [a1], complete: true };
      await t.poll();
      t.engine.current = { alarms: [], complete: true };
      t.engine.history = { alarms: [{ ...a1, status: 'resolved', resolvedAt: at(15) }], complete: true };
      expect((await t.poll()).resolved).toBe(1);
      const { events } = await t.store.readStream(alarmStream(alarmViewOf(a1).id));
      expect(events[1]?.data).toMatchObject({ reason: 'engine_recovered', alarm: { resolvedAt: at(15) } });
    });
  });

  describe('when the first page of the current list fails', () => {
    it('reports the poll failed and writes nothing', async () => {
      const t = setup();
      t.engine.current = new EngineError('unavailable', 'down', true);
      const report = await t.poll();
      expect(report).toMatchObject({ ok: false, raised: 0 });
      expect(t.index.entries.size).toBe(0);
      expect(t.index.historyCursorMs).toBeNull();
    });
  });

  describe('when the history read fails or is partial', () => {
    it('keeps the history cursor so that the window is read again', async () => {
      const t = setup();
      await t.poll();
      const cursor = t.index.historyCursorMs;
      expect(cursor).toBe(T0 + 10_000);
      t.engine.history = new EngineError('server', 'boom', true);
      await t.poll();
      t.engine.history = { alarms: [], complete: false };
      await t.poll();
      expect(t.index.historyCursorMs).toBe(cursor);
      expect(t.engine.ranges.at(-1)?.startMs).toBe((cursor as number) - 1_000);
    });
  });

  describe('when one alarm command fails', () => {
    it('still raises the others and retries the failed one next poll', async () => {
      const inner = new InMemoryEventStore();
      let failFor: string | null = alarmStream(alarmViewOf(a2).id);
      const flaky: EventStore = {
        appendToStream: (name, events, opts) => (name === failFor ? Promise.reject(new Error('redis down')) : inner.appendToStream(name, events, opts)),
        readStream: (name, opts) => inner.readStream(name, opts),
        readCategory: (c, opts) => inner.readCategory(c, opts),
      };
      const t = setup(flaky);
      t.engine.current = { alarms: [a1, a2], complete: true };
      expect(await t.poll()).toMatchObject({ raised: 1, failed: 1 });
      // Written ahead as pending: a crash now would still leave it known.
      expect(t.index.entries.get(alarmViewOf(a2).id)?.pending).toBe(true);
      failFor = null;
      expect(await t.poll()).toMatchObject({ raised: 1, failed: 0 });
      expect(await t.types(a2)).toEqual(['AlarmRaised']);
      expect(t.index.entries.get(alarmViewOf(a2).id)?.pending).toBeUndefined();
    });
  });
});
