import type { AppendResult, DomainEvent, EventStore, ExpectedStreamVersion } from '../../application/ports/event-store.js';
import { isVersionConflict } from '../../application/ports/event-store.js';

/** Where an append's duration goes: seconds and how it ended (a conflict is an expected outcome, not an error). */
export type AppendObserver = (seconds: number, outcome: 'ok' | 'conflict' | 'error') => void;

/**
 * The EventStore port with its appends timed (aiops_event_store_append_seconds): a decorator, so neither the use
 * cases nor the Redis adapter know about metrics. Reads pass straight through.
 */
export function timedEventStore(store: EventStore, observe: AppendObserver): EventStore {
  return {
    async appendToStream<E extends DomainEvent>(
      streamName: string,
      events: readonly E[],
      options?: { readonly expectedStreamVersion?: ExpectedStreamVersion },
    ): Promise<AppendResult> {
      const t0 = process.hrtime.bigint();
      const seconds = (): number => Number(process.hrtime.bigint() - t0) / 1e9;
      try {
        const result = await store.appendToStream(streamName, events, options);
        observe(seconds(), 'ok');
        return result;
      } catch (err) {
        observe(seconds(), isVersionConflict(err) ? 'conflict' : 'error');
        throw err;
      }
    },
    readStream: <E extends DomainEvent>(streamName: string, options?: { readonly from?: number; readonly maxCount?: number }) =>
      store.readStream<E>(streamName, options),
    readCategory: <E extends DomainEvent>(category: string, options: { readonly after: string | null; readonly maxCount: number }) =>
      store.readCategory<E>(category, options),
  };
}

/** The observer that feeds the bridge's histogram. */
export const observeAppend =
  (metrics: { readonly eventStoreAppend: { observe(labels: { outcome: string }, value: number): void } }): AppendObserver =>
  (seconds, outcome) =>
    metrics.eventStoreAppend.observe({ outcome }, seconds);
