import type { DomainEvent, ExpectedStreamVersion } from '../ports/event-store.js';
import { parsePosition } from './log-position.js';

/**
 * Input checks shared by every EventStore adapter, so that both refuse the same bad input with the same message
 * before anything is written (one bad append never half-lands).
 */
export class EventStoreInputError extends Error {
  readonly code = 'EVENT_STORE.BAD_INPUT';
  constructor(message: string) {
    super(message);
    this.name = 'EventStoreInputError';
  }
}

export const checkStreamName = (streamName: string): void => {
  if (typeof streamName !== 'string' || streamName.length === 0) {
    throw new EventStoreInputError('stream name must be a non-empty string');
  }
};

export const checkAppend = (
  streamName: string,
  events: readonly DomainEvent[],
  expected: ExpectedStreamVersion,
): void => {
  checkStreamName(streamName);
  if (!Array.isArray(events)) throw new EventStoreInputError(`stream ${streamName}: events must be an array`);
  if (!(expected === 'any' || expected === 'no_stream' || (Number.isSafeInteger(expected) && expected >= 0))) {
    throw new EventStoreInputError(`stream ${streamName}: bad expected version ${String(expected)}`);
  }
  events.forEach((event, i) => {
    if (typeof event?.type !== 'string' || event.type.length === 0) {
      throw new EventStoreInputError(`stream ${streamName}: event ${i} has no type`);
    }
    if (event.data === undefined) throw new EventStoreInputError(`stream ${streamName}: event ${i} (${event.type}) has no data`);
  });
};

/** A positive integer count, or the default. */
export const checkCount = (name: string, value: number | undefined, fallback: number): number => {
  const n = value ?? fallback;
  if (!Number.isSafeInteger(n) || n < 1) throw new EventStoreInputError(`${name} must be a positive integer, got ${String(value)}`);
  return n;
};

/** `from` for readStream: a version ≥ 1 (default 1). */
export const checkFrom = (from: number | undefined): number => {
  const n = from ?? 1;
  if (!Number.isSafeInteger(n) || n < 0) throw new EventStoreInputError(`from must be a non-negative integer, got ${String(from)}`);
  return Math.max(n, 1);
};

/** The numeric version a check compares with, or null for 'any'. */
export const expectedAsNumber = (expected: ExpectedStreamVersion): number | null =>
  expected === 'any' ? null : expected === 'no_stream' ? 0 : expected;

/** Data and metadata go through JSON in every adapter, so that the in-memory twin stores what Redis would. */
export const jsonRoundTrip = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** `after` for readCategory: null or a log position (`<ms>-<seq>`). */
export const checkAfter = (after: string | null): string | null => {
  if (after === null) return null;
  try {
    parsePosition(after);
  } catch {
    throw new EventStoreInputError(`after must be a log position (<ms>-<seq>) or null, got ${JSON.stringify(after)}`);
  }
  return after;
};
