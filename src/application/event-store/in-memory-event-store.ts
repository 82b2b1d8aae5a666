import { randomUUID } from 'node:crypto';
import {
  categoryOf,
  ExpectedVersionConflictError,
  type AppendResult,
  type DomainEvent,
  type EventStore,
  type ExpectedStreamVersion,
  type ReadStreamResult,
  type RecordedEvent,
} from '../ports/event-store.js';
import { checkAfter, checkAppend, checkCount, checkFrom, checkStreamName, expectedAsNumber, jsonRoundTrip } from './event-store-input.js';
import { comparePositions, positionGenerator } from './log-position.js';

/**
 * The in-memory twin of RedisEventStore, for unit tests of deciders, command handling and projections. It passes
 * the same contract suite (test/contract/event-store.contract.ts): same versions, same conflicts, same
 * `<ms>-<seq>` positions, data stored as JSON would store it. Not for production: nothing survives the process.
 */
export class InMemoryEventStore implements EventStore {
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly categories = new Map<string, RecordedEvent[]>();
  private readonly nextPosition: () => string;

  constructor(options: { readonly now?: () => number } = {}) {
    this.nextPosition = positionGenerator(options.now);
  }

  async appendToStream<E extends DomainEvent>(
    streamName: string,
    events: readonly E[],
    options: { readonly expectedStreamVersion?: ExpectedStreamVersion } = {},
  ): Promise<AppendResult> {
    const expectedVersion = options.expectedStreamVersion ?? 'any';
    checkAppend(streamName, events, expectedVersion);
    const stream = this.streams.get(streamName) ?? [];
    const expected = expectedAsNumber(expectedVersion);
    if (expected !== null && expected !== stream.length) {
      throw new ExpectedVersionConflictError(streamName, expectedVersion, stream.length);
    }
    // Encode every event before storing any, so that data JSON cannot encode leaves the stream untouched.
    const time = new Date().toISOString();
    const encoded = events.map((e) => ({ type: e.type, data: jsonRoundTrip(e.data), metadata: jsonRoundTrip(e.metadata ?? {}) }));
    const category = categoryOf(streamName);
    const log = this.categories.get(category) ?? [];
    const recordedNow: RecordedEvent[] = [];
    for (const e of encoded) {
      const recorded = {
        ...e,
        id: randomUUID(),
        streamName,
        streamVersion: stream.length + 1,
        position: this.nextPosition(),
        time,
      } as RecordedEvent;
      stream.push(recorded);
      log.push(recorded);
      recordedNow.push(recorded);
    }
    if (stream.length > 0) this.streams.set(streamName, stream);
    if (log.length > 0) this.categories.set(category, log);
    return {
      nextExpectedStreamVersion: stream.length,
      lastPosition: recordedNow.at(-1)?.position ?? '',
      recorded: recordedNow.map(copy),
    };
  }

  async readStream<E extends DomainEvent>(
    streamName: string,
    options: { readonly from?: number; readonly maxCount?: number } = {},
  ): Promise<ReadStreamResult<E>> {
    checkStreamName(streamName);
    const from = checkFrom(options.from);
    const maxCount = checkCount('maxCount', options.maxCount, Number.MAX_SAFE_INTEGER);
    const stream = this.streams.get(streamName) ?? [];
    return {
      currentStreamVersion: stream.length,
      streamExists: stream.length > 0,
      events: stream.slice(from - 1, from - 1 + maxCount).map(copy) as RecordedEvent<E>[],
    };
  }

  async readCategory<E extends DomainEvent>(
    category: string,
    options: { readonly after: string | null; readonly maxCount: number },
  ): Promise<RecordedEvent<E>[]> {
    const maxCount = checkCount('maxCount', options.maxCount, 1);
    const log = this.categories.get(category) ?? [];
    const after = checkAfter(options.after);
    const start = after === null ? 0 : firstAfter(log, after);
    return log.slice(start, start + maxCount).map(copy) as RecordedEvent<E>[];
  }
}

/** Binary search: index of the first event strictly after `after`. */
const firstAfter = (log: readonly RecordedEvent[], after: string): number => {
  let lo = 0;
  let hi = log.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (comparePositions(log[mid]!.position, after) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** Readers get their own copies: a caller mutating what it read must not rewrite history. */
const copy = (e: RecordedEvent): RecordedEvent => ({ ...e, data: structuredClone(e.data), metadata: { ...e.metadata } });
