import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStoreInputError } from '../../src/application/event-store/event-store-input.js';
import { comparePositions } from '../../src/application/event-store/log-position.js';
import {
  ExpectedVersionConflictError,
  type DomainEvent,
  type EventStore,
  type RecordedEvent,
} from '../../src/application/ports/event-store.js';

/**
 * The behaviours every EventStore adapter must have (in-memory and Redis). `connect()` opens another client of
 * the same store (for Redis, a separate connection), so concurrent writers really race.
 */
export interface EventStoreSubject {
  readonly store: EventStore;
  readonly connect: () => Promise<EventStore>;
  readonly close: () => Promise<void>;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let n = 0;
/** A category of its own per test, so tests never see each other's log. */
const newCategory = (): string => `c${Date.now().toString(36)}${(n++).toString(36)}`;
const ev = (type: string, data: unknown = { n: 1 }, metadata?: DomainEvent['metadata']): DomainEvent =>
  metadata ? { type, data, metadata } : { type, data };

export function describeEventStoreContract(name: string, setup: () => Promise<EventStoreSubject>): void {
  describe(`EventStore contract: ${name}`, () => {
    let subject: EventStoreSubject;
    let store: EventStore;
    beforeAll(async () => {
      subject = await setup();
      store = subject.store;
    });
    afterAll(async () => subject?.close());
    const stream = (category = newCategory()): string => `${category}-${randomUUID()}`;

    describe('when a stream does not exist', () => {
      it('reads as version 0 with no events', async () => {
        const read = await store.readStream(stream());
        expect(read).toEqual({ currentStreamVersion: 0, streamExists: false, events: [] });
      });

      it('accepts a first append expecting no_stream or 0, and refuses one expecting 1', async () => {
        const [a, b, c] = [stream(), stream(), stream()];
        expect((await store.appendToStream(a, [ev('A')], { expectedStreamVersion: 'no_stream' })).nextExpectedStreamVersion).toBe(1);
        expect((await store.appendToStream(b, [ev('A')], { expectedStreamVersion: 0 })).nextExpectedStreamVersion).toBe(1);
        await expect(store.appendToStream(c, [ev('A')], { expectedStreamVersion: 1 })).rejects.toBeInstanceOf(ExpectedVersionConflictError);
        expect((await store.readStream(c)).streamExists).toBe(false);
      });
    });

    describe('when events are appended', () => {
      it('reads them back as recorded: id, type, stream, version, time, position, data and metadata', async () => {
        const s = stream();
        const before = Date.now();
        const result = await store.appendToStream(s, [ev('Raised', { a: 1 }, { correlationId: 'c1', pollId: 'p1' }), ev('Updated', { b: [2] })]);
        const { events, currentStreamVersion, streamExists } = await store.readStream(s);
        expect({ currentStreamVersion, streamExists }).toEqual({ currentStreamVersion: 2, streamExists: true });
        expect(events.map((e) => [e.type, e.streamName, e.streamVersion, e.data, e.metadata])).toEqual([
          ['Raised', s, 1, { a: 1 }, { correlationId: 'c1', pollId: 'p1' }],
          ['Updated', s, 2, { b: [2] }, {}],
        ]);
        for (const e of events) {
          expect(e.id).toMatch(UUID);
          expect(e.time).toMatch(ISO_UTC);
          expect(Date.parse(e.time)).toBeGreaterThanOrEqual(before - 5_000);
          expect(Date.parse(e.time)).toBeLessThanOrEqual(Date.now() + 5_000);
        }
        expect(new Set(events.map((e) => e.id)).size).toBe(2);
        expect(comparePositions(events[0]!.position, events[1]!.position)).toBeLessThan(0);
        expect(result).toMatchObject({ nextExpectedStreamVersion: 2, lastPosition: events[1]!.position });
        if (result.recorded) expect(result.recorded).toEqual(events);
      });

      it('continues versions across appends and checks a numeric expected version', async () => {
        const s = stream();
        await store.appendToStream(s, [ev('A'), ev('B')], { expectedStreamVersion: 'no_stream' });
        const r = await store.appendToStream(s, [ev('C')], { expectedStreamVersion: 2 });
        expect(r.nextExpectedStreamVersion).toBe(3);
        expect((await store.readStream(s)).events.map((e) => [e.type, e.streamVersion])).toEqual([['A', 1], ['B', 2], ['C', 3]]);
      });

      it('refuses a stale expected version with a typed error naming both versions, and writes nothing', async () => {
        const s = stream();
        await store.appendToStream(s, [ev('A'), ev('B')]);
        const err = await store.appendToStream(s, [ev('X'), ev('Y')], { expectedStreamVersion: 1 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ExpectedVersionConflictError);
        expect(err).toMatchObject({ code: 'EVENT_STORE.VERSION_CONFLICT', streamName: s, expected: 1, actual: 2 });
        const noStream = await store.appendToStream(s, [ev('X')], { expectedStreamVersion: 'no_stream' }).catch((e: unknown) => e);
        expect(noStream).toMatchObject({ expected: 'no_stream', actual: 2 });
        expect((await store.readStream(s)).events.map((e) => e.type)).toEqual(['A', 'B']);
      });

      it("appends with 'any' (and with no option) whatever the version", async () => {
        const s = stream();
        await store.appendToStream(s, [ev('A')], { expectedStreamVersion: 'any' });
        await store.appendToStream(s, [ev('B')], { expectedStreamVersion: 'any' });
        const r = await store.appendToStream(s, [ev('C')]);
        expect(r.nextExpectedStreamVersion).toBe(3);
      });

      it('appends a batch of 2,500 events in one call, versions and log order intact', async () => {
        const category = newCategory();
        const s = stream(category);
        await store.appendToStream(s, [ev('First')]);
        const batch = Array.from({ length: 2_500 }, (_, i) => ev('Batch', { i }));
        const r = await store.appendToStream(s, batch, { expectedStreamVersion: 1 });
        expect(r.nextExpectedStreamVersion).toBe(2_501);
        const { events } = await store.readStream(s, { from: 999, maxCount: 1_100 });
        expect(events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 1_100 }, (_, i) => 999 + i));
        expect(events.map((e) => (e.data as { i: number }).i)).toEqual(Array.from({ length: 1_100 }, (_, i) => 997 + i));
        const log = await store.readCategory(category, { after: null, maxCount: 3_000 });
        expect(log).toHaveLength(2_501);
        expect(log.at(-1)).toEqual((await store.readStream(s, { from: 2_501 })).events[0]);
      });

      it('treats an empty append as a version check that writes nothing', async () => {
        const s = stream();
        await store.appendToStream(s, [ev('A')]);
        expect((await store.appendToStream(s, [], { expectedStreamVersion: 1 })).nextExpectedStreamVersion).toBe(1);
        await expect(store.appendToStream(s, [], { expectedStreamVersion: 0 })).rejects.toBeInstanceOf(ExpectedVersionConflictError);
        expect((await store.readStream(s)).currentStreamVersion).toBe(1);
      });
    });

    describe('when a stream has ten events', () => {
      const s = `${newCategory()}-ten`;
      beforeAll(async () => {
        await store.appendToStream(s, Array.from({ length: 10 }, (_, i) => ev(`E${i + 1}`)), { expectedStreamVersion: 'no_stream' });
      });

      it('reads from a version, at most maxCount, and reports the current version', async () => {
        const read = await store.readStream(s, { from: 4, maxCount: 3 });
        expect(read.currentStreamVersion).toBe(10);
        expect(read.events.map((e) => e.streamVersion)).toEqual([4, 5, 6]);
        expect((await store.readStream(s, { from: 9 })).events.map((e) => e.type)).toEqual(['E9', 'E10']);
        expect((await store.readStream(s, { from: 11 })).events).toEqual([]);
        expect((await store.readStream(s, { maxCount: 2 })).events.map((e) => e.streamVersion)).toEqual([1, 2]);
      });
    });

    describe('when several writers race at one expected version', () => {
      it('lets exactly one of two appends win; the other gets the conflict', async () => {
        const s = stream();
        const other = await subject.connect();
        const results = await Promise.allSettled([
          store.appendToStream(s, [ev('One')], { expectedStreamVersion: 'no_stream' }),
          other.appendToStream(s, [ev('Two')], { expectedStreamVersion: 'no_stream' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejected).toHaveLength(1);
        expect(rejected[0]!.reason).toBeInstanceOf(ExpectedVersionConflictError);
        expect((await store.readStream(s)).events).toHaveLength(1);
      });

      it('lets exactly one of many concurrent appenders win each version', async () => {
        const s = stream();
        const writers = await Promise.all(Array.from({ length: 8 }, () => subject.connect()));
        await store.appendToStream(s, [ev('Start')]);
        for (let round = 1; round <= 3; round++) {
          const results = await Promise.allSettled(
            writers.map((w, i) => w.appendToStream(s, [ev('W', { i, round }), ev('W2', { i, round })], { expectedStreamVersion: 1 + (round - 1) * 2 })),
          );
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
          for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ExpectedVersionConflictError);
        }
        const { events } = await store.readStream(s);
        expect(events.map((e) => e.streamVersion)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        // A winner's two events are adjacent: appends never interleave.
        for (const v of [2, 4, 6]) expect(events[v]!.data).toEqual(events[v - 1]!.data);
      });
    });

    describe('when several streams of a category are written', () => {
      it('reads the category log in append order, strictly after `after`, page by page', async () => {
        const category = newCategory();
        const [a, b] = [stream(category), stream(category)];
        const written: string[] = [];
        for (let i = 0; i < 7; i++) {
          const s = i % 2 === 0 ? a : b;
          await store.appendToStream(s, [ev(`T${i}`, { i })]);
          written.push(`${s}#T${i}`);
        }
        await store.appendToStream(stream(newCategory()), [ev('Elsewhere')]);
        const all = await store.readCategory(category, { after: null, maxCount: 100 });
        expect(all.map((e) => `${e.streamName}#${e.type}`)).toEqual(written);
        for (let i = 1; i < all.length; i++) expect(comparePositions(all[i - 1]!.position, all[i]!.position)).toBeLessThan(0);
        const paged: RecordedEvent[] = [];
        let after: string | null = null;
        for (;;) {
          const page: RecordedEvent[] = await store.readCategory(category, { after, maxCount: 3 });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(3);
          paged.push(...page);
          after = page.at(-1)!.position;
        }
        expect(paged).toEqual(all);
        expect(await store.readCategory(category, { after: all[2]!.position, maxCount: 1 })).toEqual([all[3]]);
        expect(await store.readCategory(category, { after: all.at(-1)!.position, maxCount: 10 })).toEqual([]);
      });

      it('reads an unknown category as empty', async () => {
        expect(await store.readCategory(newCategory(), { after: null, maxCount: 10 })).toEqual([]);
      });

      it('keeps the events of one batch adjacent in the log', async () => {
        const category = newCategory();
        const [a, b] = [stream(category), stream(category)];
        const w2 = await subject.connect();
        await Promise.all([
          store.appendToStream(a, Array.from({ length: 50 }, (_, i) => ev('A', { i }))),
          w2.appendToStream(b, Array.from({ length: 50 }, (_, i) => ev('B', { i }))),
        ]);
        const types = (await store.readCategory(category, { after: null, maxCount: 1000 })).map((e) => e.type).join('');
        expect(types).toMatch(/^(A{50}B{50}|B{50}A{50})$/);
      });
    });

    describe('when random appends with random expected versions are applied', () => {
      // Model: a stream is the list of its event types; the category log is every accepted event in order.
      const op = fc.record({
        stream: fc.integer({ min: 0, max: 2 }),
        expected: fc.oneof(fc.constant<'any'>('any'), fc.constant<'no_stream'>('no_stream'), fc.integer({ min: 0, max: 4 })),
        count: fc.integer({ min: 0, max: 3 }),
      });

      it('agrees with a simple model on every result, every stream and the category log', async () => {
        await fc.assert(
          fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
            const category = newCategory();
            const names = [0, 1, 2].map((i) => `${category}-s${i}`);
            const model: string[][] = [[], [], []];
            const log: string[] = [];
            for (const [k, o] of ops.entries()) {
              const events = Array.from({ length: o.count }, (_, i) => ev(`T${k}.${i}`));
              const current = model[o.stream]!.length;
              const expected = o.expected === 'any' ? current : o.expected === 'no_stream' ? 0 : o.expected;
              const result = await store.appendToStream(names[o.stream]!, events, { expectedStreamVersion: o.expected }).catch((e: unknown) => e);
              if (expected !== current) {
                expect(result).toBeInstanceOf(ExpectedVersionConflictError);
                expect(result).toMatchObject({ actual: current });
                continue;
              }
              model[o.stream]!.push(...events.map((e) => e.type));
              log.push(...events.map((e) => `${names[o.stream]}#${e.type}`));
              expect(result).toMatchObject({ nextExpectedStreamVersion: model[o.stream]!.length });
            }
            for (const [i, name] of names.entries()) {
              const read = await store.readStream(name);
              expect(read.events.map((e) => e.type)).toEqual(model[i]);
              expect(read.events.map((e) => e.streamVersion)).toEqual(model[i]!.map((_, v) => v + 1));
            }
            const all = await store.readCategory(category, { after: null, maxCount: 1000 });
            expect(all.map((e) => `${e.streamName}#${e.type}`)).toEqual(log);
          }),
          { numRuns: 40 },
        );
      });
    });

    describe('when data is unusual', () => {
      it('round-trips unicode, JSON-escaped characters and nested data', async () => {
        const s = stream();
        const data = { text: '告警 ☃ 🚨 "quoted" \\ back\nline \u0000 nul', nested: { list: [1, 'two', null, true, 1.5e-7] }, empty: '' };
        const metadata = { correlationId: '关联-🚀', causationId: 'c"a\\u', actor: 'système' };
        await store.appendToStream(s, [ev('Ünïcødé', data, metadata)]);
        const [e] = (await store.readStream(s)).events;
        expect(e).toMatchObject({ type: 'Ünïcødé', data, metadata });
      });

      it('round-trips a 1 MB event next to small ones', async () => {
        const s = stream();
        const big = { blob: 'x'.repeat(1024 * 1024), tail: '末' };
        await store.appendToStream(s, [ev('Small'), ev('Big', big), ev('Small')]);
        const { events } = await store.readStream(s);
        expect(events.map((e) => e.type)).toEqual(['Small', 'Big', 'Small']);
        expect(events[1]!.data).toEqual(big);
      });

      it('refuses bad input with a clear error and writes nothing', async () => {
        const s = stream();
        await expect(store.appendToStream('', [ev('A')])).rejects.toBeInstanceOf(EventStoreInputError);
        await expect(store.appendToStream(s, [ev('A'), { type: '', data: 1 }])).rejects.toThrow(/event 1 has no type/);
        await expect(store.appendToStream(s, [ev('A'), { type: 'B', data: undefined }])).rejects.toThrow(/has no data/);
        await expect(store.appendToStream(s, [ev('A')], { expectedStreamVersion: -1 })).rejects.toBeInstanceOf(EventStoreInputError);
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        await expect(store.appendToStream(s, [ev('A'), ev('B', circular)])).rejects.toThrow();
        await expect(store.readStream(s, { maxCount: 0 })).rejects.toBeInstanceOf(EventStoreInputError);
        await expect(store.readCategory(newCategory(), { after: 'not-a-position', maxCount: 1 })).rejects.toBeInstanceOf(EventStoreInputError);
        await expect(store.readCategory(newCategory(), { after: null, maxCount: -1 })).rejects.toBeInstanceOf(EventStoreInputError);
        expect((await store.readStream(s)).streamExists).toBe(false);
      });
    });
  });
}
