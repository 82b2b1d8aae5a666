import { describe, expect, it } from 'vitest';
import { handleCommand } from '../../../src/application/event-store/handle-command.js';
import { InMemoryEventStore } from '../../../src/application/event-store/in-memory-event-store.js';
import {
  ExpectedVersionConflictError,
  type DomainEvent,
  type EventStore,
} from '../../../src/application/ports/event-store.js';
import { CounterClosedError, counterDecider, type CounterEvent } from './counter-decider.js';

/**
 * A store where another writer sneaks an event in between each of our reads and our append, `times` times:
 * the race handleCommand must survive by re-reading and re-deciding.
 */
const racingStore = (inner: InMemoryEventStore, times: number, sneak: DomainEvent): EventStore & { reads: number } => {
  const store = {
    reads: 0,
    appendToStream: inner.appendToStream.bind(inner),
    readCategory: inner.readCategory.bind(inner),
    async readStream(...args: Parameters<EventStore['readStream']>) {
      const read = await inner.readStream(...args);
      store.reads += 1;
      if (store.reads <= times) await inner.appendToStream(args[0], [sneak]);
      return read;
    },
  };
  return store as EventStore & { reads: number };
};

describe('handleCommand', () => {
  describe('when the stream is new', () => {
    it('decides on the initial state, appends, and returns the recorded events and new state', async () => {
      const store = new InMemoryEventStore();
      const result = await handleCommand(store, 'counter-1', counterDecider, { type: 'Add', by: 4 }, { metadata: { correlationId: 'k1' } });
      expect(result.newState).toEqual({ status: 'open', total: 4 });
      expect(result.nextExpectedStreamVersion).toBe(1);
      expect(result.newEvents).toMatchObject([{ type: 'Added', data: { by: 4, total: 4 }, streamVersion: 1, metadata: { correlationId: 'k1' } }]);
      expect((await store.readStream('counter-1')).events).toEqual(result.newEvents);
    });
  });

  describe('when the stream has history', () => {
    it('folds it with evolve before deciding', async () => {
      const store = new InMemoryEventStore();
      await handleCommand(store, 'counter-2', counterDecider, { type: 'Add', by: 2 });
      const result = await handleCommand(store, 'counter-2', counterDecider, { type: 'Add', by: 5 });
      expect(result.newEvents.map((e) => e.data)).toEqual([{ by: 5, total: 7 }]);
      expect(result.nextExpectedStreamVersion).toBe(2);
    });

    it('appends nothing when the decider decides nothing', async () => {
      const store = new InMemoryEventStore();
      await handleCommand(store, 'counter-3', counterDecider, { type: 'Close' });
      const result = await handleCommand(store, 'counter-3', counterDecider, { type: 'Close' });
      expect(result).toEqual({ newState: { status: 'closed', total: 0 }, newEvents: [], nextExpectedStreamVersion: 1 });
      expect((await store.readStream('counter-3')).currentStreamVersion).toBe(1);
    });

    it('lets a domain error through and appends nothing', async () => {
      const store = new InMemoryEventStore();
      await handleCommand(store, 'counter-4', counterDecider, { type: 'Close' });
      await expect(handleCommand(store, 'counter-4', counterDecider, { type: 'Add', by: 1 })).rejects.toBeInstanceOf(CounterClosedError);
      expect((await store.readStream('counter-4')).currentStreamVersion).toBe(1);
    });
  });

  describe('when another writer appends between our read and our append', () => {
    const sneak: CounterEvent = { type: 'Added', data: { by: 10, total: 10 } };

    it('re-reads and re-decides on the fresh state', async () => {
      const inner = new InMemoryEventStore();
      const store = racingStore(inner, 2, sneak);
      const result = await handleCommand(store, 'counter-5', counterDecider, { type: 'Add', by: 1 });
      expect(store.reads).toBe(3);
      // Decided on the two sneaked events, not on the empty stream first read.
      expect(result.newEvents.map((e) => e.data)).toEqual([{ by: 1, total: 11 }]);
      expect(result.nextExpectedStreamVersion).toBe(3);
    });

    it('decides differently when the fresh state says so', async () => {
      const inner = new InMemoryEventStore();
      const store = racingStore(inner, 1, { type: 'Closed', data: { total: 0 } });
      await expect(handleCommand(store, 'counter-6', counterDecider, { type: 'Add', by: 1 })).rejects.toBeInstanceOf(CounterClosedError);
      const again = racingStore(new InMemoryEventStore(), 1, { type: 'Closed', data: { total: 0 } });
      await expect(handleCommand(again, 'counter-7', counterDecider, { type: 'Close' })).resolves.toMatchObject({ newEvents: [] });
    });

    it('gives up after `retries` retries with the typed conflict', async () => {
      const inner = new InMemoryEventStore();
      const store = racingStore(inner, 100, sneak);
      const err = await handleCommand(store, 'counter-8', counterDecider, { type: 'Add', by: 1 }, { retries: 2 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ExpectedVersionConflictError);
      expect(store.reads).toBe(3);
      // Only the other writer's three events landed.
      expect((await inner.readStream<CounterEvent>('counter-8')).events.map((e) => e.data)).toEqual([sneak.data, sneak.data, sneak.data]);
    });

    it('retries 3 times by default', async () => {
      const inner = new InMemoryEventStore();
      const store = racingStore(inner, 100, sneak);
      await expect(handleCommand(store, 'counter-9', counterDecider, { type: 'Add', by: 1 })).rejects.toBeInstanceOf(ExpectedVersionConflictError);
      expect(store.reads).toBe(4);
    });
  });
});
