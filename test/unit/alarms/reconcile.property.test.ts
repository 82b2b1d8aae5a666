import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AlarmLevel, EngineAlarm } from '../../../src/domain/alarm.js';
import { type AlarmState, decide, evolve, initialState } from '../../../src/domain/alarms/alarm-decider.js';
import { alarmViewOf, commandAlarmId, type KnownAlarm, reconcile } from '../../../src/domain/alarms/reconcile.js';
import { at } from './alarm-fixtures.js';

/**
 * A model engine driven by random steps, polled after each: random page failures cut the snapshot short (and mark
 * it incomplete), a failed first page loses the whole poll, history reads fail or come back partial (the poller's
 * window cursor then stays put, as poll-alarms does), and some recoveries never reach the history at all (only
 * absence can resolve those). Checked: no AlarmResolved while the engine still fires that alarm, and after a few
 * calm, complete polls the store fires exactly what the engine fires, with the engine's severity/value/summary.
 * As in a real engine, a rule fires at most one alarm per series at a time; a series may fire again after it
 * recovered (a new episode of the same identity, on the same stream).
 */
const K = 3;
const LEVELS: AlarmLevel[] = ['critical', 'major', 'minor', 'warning'];
const HOSTS = ['h0', 'h1', 'h2', 'h3', 'h4', 'h5'];

const step = fc.record({
  fire: fc.nat({ max: 3 }),
  recover: fc.array(fc.nat({ max: 20 }), { maxLength: 3 }),
  forgetInHistory: fc.boolean(),
  change: fc.array(fc.record({ pick: fc.nat({ max: 20 }), value: fc.integer({ min: 0, max: 3 }), level: fc.constantFrom(...LEVELS) }), { maxLength: 2 }),
  read: fc.oneof(
    { weight: 3, arbitrary: fc.constant({ kind: 'complete' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('partial' as const), keep: fc.nat({ max: 10 }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'failed' as const }) },
  ),
  history: fc.constantFrom('complete', 'partial', 'failed'),
  shuffle: fc.nat(),
});

type Step = typeof step extends fc.Arbitrary<infer S> ? S : never;

interface Episode {
  alarm: EngineAlarm;
  recoveredAtS?: number;
  inHistory: boolean;
}

function run(steps: Step[]) {
  const episodes: Episode[] = [];
  const streams = new Map<string, { state: AlarmState; types: string[] }>();
  let known = new Map<string, KnownAlarm>();
  let cursorS = -1;
  let seq = 0;
  const falseResolves: string[] = [];
  const firingNow = () => episodes.filter((e) => e.recoveredAtS === undefined);

  const poll = (s: Step, t: number) => {
    if (s.read.kind === 'failed') return; // page 1 failed: listCurrentAlarms threw, nothing reconciled
    const all = firingNow().map((e) => e.alarm);
    const rotated = [...all.slice(s.shuffle % (all.length || 1)), ...all.slice(0, s.shuffle % (all.length || 1))];
    const firing = s.read.kind === 'complete' ? rotated : rotated.slice(0, Math.min(s.read.keep, Math.max(0, rotated.length - 1)));
    const complete = s.read.kind === 'complete';
    const inWindow = episodes.filter((e) => e.inHistory && e.recoveredAtS !== undefined && e.recoveredAtS > cursorS);
    const history = s.history === 'failed' ? [] : s.history === 'partial' ? inWindow.filter((_, i) => i % 2 === 0) : inWindow;
    if (s.history === 'complete') cursorS = t;
    const r = reconcile(known, { firing, complete, history: history.map((e) => e.alarm), now: at(t) }, K);
    // A resolve is false when it ends the episode the engine fires now, not when it ends an earlier episode of the
    // same series (one that fired and recovered before this one started).
    const truthFiring = new Map(firingNow().map((e) => [alarmViewOf(e.alarm).id, Date.parse(e.alarm.firstSeenAt)]));
    for (const c of r.commands) {
      const id = commandAlarmId(c);
      const stream = streams.get(id) ?? { state: initialState(), types: [] };
      for (const ev of decide(c, stream.state)) {
        const firingSince = truthFiring.get(id);
        if (ev.type === 'AlarmResolved' && firingSince !== undefined && Date.parse(ev.data.alarm.resolvedAt as string) >= firingSince) falseResolves.push(id);
        stream.state = evolve(stream.state, ev);
        stream.types.push(ev.type);
      }
      streams.set(id, stream);
    }
    known = r.known;
  };

  const apply = (s: Step, t: number) => {
    for (let i = 0; i < s.fire; i++) {
      seq++;
      const free = HOSTS.filter((h) => !firingNow().some((e) => e.alarm.tags.host === h));
      if (free.length === 0) break;
      episodes.push({
        alarm: { alarmId: `a-${seq}`, ruleId: 'r', ruleName: 'r', metric: 'm', tags: { host: free[seq % free.length] as string }, level: 'major', status: 'firing', firstSeenAt: at(t - 1), lastSeenAt: at(t - 1), value: 1, summary: 's' },
        inHistory: true,
      });
    }
    const live = firingNow();
    for (const c of s.change) {
      const e = live[c.pick % (live.length || 1)];
      if (e) e.alarm = { ...e.alarm, value: c.value, level: c.level, summary: `v${c.value}`, lastSeenAt: at(t - 1) };
    }
    for (const pick of s.recover) {
      const e = firingNow()[pick % (firingNow().length || 1)];
      if (!e) continue;
      e.recoveredAtS = t - 0.5;
      e.inHistory = !s.forgetInHistory;
      e.alarm = { ...e.alarm, status: 'resolved', resolvedAt: at(t - 0.5) };
    }
  };

  steps.forEach((s, i) => {
    apply(s, (i + 1) * 10);
    poll(s, (i + 1) * 10);
  });
  const calm = { fire: 0, recover: [], forgetInHistory: false, change: [], read: { kind: 'complete' as const }, history: 'complete' as const, shuffle: 0 };
  for (let i = 0; i <= K; i++) poll(calm, (steps.length + 1 + i) * 10);
  return { episodes, streams, falseResolves };
}

describe('reconcile over random poll sequences', () => {
  describe('whatever pages and history reads fail', () => {
    it('never resolves an alarm the engine still fires', () => {
      fc.assert(fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        expect(run(steps).falseResolves).toEqual([]);
      }), { numRuns: 400 });
    });

    it('converges to the engine: same firing set, same severity, value and summary', () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
          const { episodes, streams } = run(steps);
          const truth = new Map(episodes.filter((e) => e.recoveredAtS === undefined).map((e) => [alarmViewOf(e.alarm).id, e.alarm]));
          const storeFiring = [...streams].filter(([, s]) => s.state.status === 'firing');
          expect(new Set(storeFiring.map(([id]) => id))).toEqual(new Set(truth.keys()));
          for (const [id, s] of storeFiring) {
            const a = truth.get(id) as EngineAlarm;
            expect(s.state.status === 'firing' && [s.state.alarm.severity, s.state.alarm.value, s.state.alarm.summary]).toEqual([a.level, a.value, a.summary]);
          }
          // Nothing lost: every alarm whose recovery the history reports was raised and resolved, even one that
          // fired and recovered between two polls (unless its series fires again now).
          for (const e of episodes.filter((x) => x.recoveredAtS !== undefined && x.inHistory && !truth.has(alarmViewOf(x.alarm).id))) {
            expect(streams.get(alarmViewOf(e.alarm).id)?.state.status).toBe('resolved');
          }
          // Every stream is a legal lifecycle: a raise first, a resolve only after a raise, a raise again only after
          // a resolve (the series' next episode).
          for (const [, s] of streams) expect(s.types.join(' ')).toMatch(/^AlarmRaised( AlarmUpdated)*( AlarmResolved AlarmRaised( AlarmUpdated)*)*( AlarmResolved)?$/);
        }),
        { numRuns: 400 },
      );
    });
  });
});
