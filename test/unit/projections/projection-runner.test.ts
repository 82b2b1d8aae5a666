import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../../src/application/event-store/in-memory-event-store.js';
import { InMemoryProjectionCheckpoints } from '../../../src/application/event-store/in-memory-projection-checkpoints.js';
import type { RecordedEvent } from '../../../src/application/ports/event-store.js';
import type { Lease } from '../../../src/application/ports/lease.js';
import { InMemoryLease } from '../../../src/application/projections/in-memory-lease.js';
import type { PageResult, Projection } from '../../../src/application/projections/projection.js';
import { ProjectionRunner, type ProjectionRunnerOptions } from '../../../src/application/projections/projection-runner.js';
import { appendLifecycles, tagOf, until } from '../../support/alarm-fixtures.js';

const log = pino({ level: 'silent' });
const runners: ProjectionRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

/** A projection that records what it handled, by whom; `gate` can hold a page until the test lets it go. */
const recording = (who: string, seen: Array<{ who: string; tag: string }>, gate?: () => Promise<void>): Projection => ({
  name: 'p',
  category: 'alarm',
  canHandle: () => true,
  async handle(events: readonly RecordedEvent[]): Promise<PageResult> {
    await gate?.();
    for (const e of events) seen.push({ who, tag: tagOf(e) });
    return { handled: events.length };
  },
});

const start = (o: Omit<ProjectionRunnerOptions, 'log'>): ProjectionRunner => {
  const r = new ProjectionRunner({ log, idleMs: 5, acquireRetryMs: 10, ...o });
  runners.push(r);
  r.start();
  return r;
};

/** A lease that grants everyone: split brain, as after a long pause; only the checkpoint's CAS stands between. */
const brokenLease: Lease = {
  acquire: async () => true,
  renew: async () => true,
  release: async () => undefined,
  holder: async () => null,
};

describe('when two runners hold the same projection (a broken lease)', () => {
  it('lets only one of them advance each page; the refused one steps down and re-reads', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpoints();
    await appendLifecycles(store, 4); // 12 events
    const seen: Array<{ who: string; tag: string }> = [];
    const advanced: Array<{ who: string; events: number }> = [];
    // Both read the same first page before either writes: the page gate opens once both are inside.
    let inside = 0;
    const gate = async (): Promise<void> => {
      inside += 1;
      await until(() => inside >= 2, 2_000, 'both runners inside the first page');
    };
    let gated = true;
    const common = { store, checkpoints, lease: brokenLease, pageSize: 12 };
    for (const who of ['A', 'B']) {
      start({
        ...common,
        owner: who,
        projection: recording(who, seen, () => (gated ? gate() : Promise.resolve())),
        onAdvance: (events) => {
          gated = false;
          advanced.push({ who, events });
        },
      });
    }
    await until(async () => (await checkpoints.read('p')) !== null, 3_000, 'a checkpoint');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.filter((s) => s.tag === 'alarm-a00001#1').map((s) => s.who).sort()).toEqual(['A', 'B']);
    // One CAS from null won; the other was refused, so exactly one advance covered the page.
    expect(advanced).toHaveLength(1);
    expect(advanced[0]?.events).toBe(12);
  });
});

describe('when one runner holds the lease', () => {
  it('handles every event once, in log order, and the other runner handles none', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpoints();
    const lease = new InMemoryLease();
    await appendLifecycles(store, 5);
    const seen: Array<{ who: string; tag: string }> = [];
    start({ store, checkpoints, lease, owner: 'A', projection: recording('A', seen), pageSize: 4 });
    await until(() => seen.length === 15, 3_000, 'all events handled');
    start({ store, checkpoints, lease, owner: 'B', projection: recording('B', seen), pageSize: 4 });
    await new Promise((r) => setTimeout(r, 100));
    const expected = (await store.readCategory('alarm', { after: null, maxCount: 100 })).map(tagOf);
    expect(seen.map((s) => s.tag)).toEqual(expected);
    expect(new Set(seen.map((s) => s.who))).toEqual(new Set(['A']));
  });
});

describe('when the lease owner dies mid-page', () => {
  it('another runner takes over after the lease lapses and handles what the dead one had not checkpointed', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpoints();
    const shared = new InMemoryLease();
    await appendLifecycles(store, 3); // 9 events
    const seen: Array<{ who: string; tag: string }> = [];
    // A "dies": after its first page every call it makes hangs (no renewals, no checkpoint, no progress).
    let dead = false;
    const hang = new Promise<never>(() => undefined);
    const deadable: Lease = {
      acquire: (n, o, t) => (dead ? hang : shared.acquire(n, o, t)),
      renew: (n, o, t) => (dead ? hang : shared.renew(n, o, t)),
      release: (n, o) => (dead ? hang : shared.release(n, o)),
      holder: (n) => shared.holder(n),
    };
    let pages = 0;
    const dying: Projection = {
      ...recording('A', seen),
      async handle(events) {
        pages += 1;
        if (pages === 2) {
          dead = true;
          return hang;
        }
        for (const e of events) seen.push({ who: 'A', tag: tagOf(e) });
        return { handled: events.length };
      },
    };
    const a = new ProjectionRunner({ store, checkpoints, lease: deadable, owner: 'A', projection: dying, pageSize: 3, leaseTtlMs: 300, renewEveryMs: 100, log, idleMs: 5 });
    a.start();
    await until(() => dead, 2_000, 'A to die');
    const diedAt = Date.now();
    start({ store, checkpoints, lease: shared, owner: 'B', projection: recording('B', seen), pageSize: 3, leaseTtlMs: 300 });
    await until(() => seen.length === 9, 3_000, 'B to finish');
    const tookMs = Date.now() - diedAt;
    expect(tookMs).toBeGreaterThanOrEqual(150); // it had to wait for the lease to lapse
    expect(tookMs).toBeLessThan(2_000);
    expect(seen.slice(0, 3).every((s) => s.who === 'A')).toBe(true);
    expect(seen.slice(3).every((s) => s.who === 'B')).toBe(true);
    const all = (await store.readCategory('alarm', { after: null, maxCount: 100 })).map(tagOf);
    expect(seen.map((s) => s.tag)).toEqual(all);
  });
});

describe('when a rebuild resets the checkpoint under a running owner', () => {
  it('starts over from the start of the log', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpoints();
    await appendLifecycles(store, 2);
    const seen: Array<{ who: string; tag: string }> = [];
    start({ store, checkpoints, lease: new InMemoryLease(), owner: 'A', projection: recording('A', seen) });
    await until(() => seen.length === 6, 2_000, 'first pass');
    await checkpoints.reset('p');
    await until(() => seen.length === 12, 2_000, 'second pass');
    expect(seen.slice(6).map((s) => s.tag)).toEqual(seen.slice(0, 6).map((s) => s.tag));
  });
});

describe('when the projection asks to wait', () => {
  it('checkpoints what it finished, pauses, and reads on from the first unfinished event', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryProjectionCheckpoints();
    await appendLifecycles(store, 2);
    const log6 = await store.readCategory('alarm', { after: null, maxCount: 10 });
    const handledAt: number[] = [];
    let failOnce = true;
    const projection: Projection = {
      name: 'p',
      category: 'alarm',
      canHandle: () => true,
      async handle(events) {
        for (let i = 0; i < events.length; i++) {
          if (events[i]?.id === log6[2]?.id && failOnce) {
            failOnce = false;
            return { handled: i, wait: { ms: 200, reason: 'test' } };
          }
          handledAt.push(Date.now());
        }
        return { handled: events.length };
      },
    };
    start({ store, checkpoints, lease: new InMemoryLease(), owner: 'A', projection });
    await until(async () => (await checkpoints.read('p')) === log6[1]?.position, 1_000, 'checkpoint at the second event');
    await until(() => handledAt.length === 6, 2_000, 'the rest');
    expect((handledAt[2] as number) - (handledAt[1] as number)).toBeGreaterThanOrEqual(180);
    expect(await checkpoints.read('p')).toBe(log6[5]?.position);
  });
});

describe('when the projection hangs on a call that ignores the abort', () => {
  it('stop gives up after stopTimeoutMs, naming what the loop waits on, instead of hanging the shutdown', async () => {
    const store = new InMemoryEventStore();
    await appendLifecycles(store, 1);
    const lines: Array<{ msg: string; waitingOn?: string }> = [];
    const capture = pino({ level: 'error' }, { write: (line: string) => void lines.push(JSON.parse(line) as { msg: string; waitingOn?: string }) });
    let entered = false;
    const hanging: Projection = {
      name: 'p',
      category: 'alarm',
      canHandle: () => true,
      handle: () => {
        entered = true;
        return new Promise<PageResult>(() => undefined); // never settles, whatever the signal says
      },
    };
    const runner = new ProjectionRunner({ projection: hanging, store, checkpoints: new InMemoryProjectionCheckpoints(), lease: new InMemoryLease(), owner: 'a', log: capture, stopTimeoutMs: 200 });
    runner.start();
    await until(() => entered, 2_000, 'the page handed over');
    const t0 = Date.now();
    await runner.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(lines).toEqual([expect.objectContaining({ msg: 'projection did not stop in time; left behind', waitingOn: 'handle (p, 3 events)' })]);
  });
});
