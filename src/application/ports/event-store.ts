/**
 * The event store, shaped like Emmett's `EventStore` (event-driven-io/emmett): append with an expected stream
 * version, read one stream, and read a category's log in global order for projections.
 *
 * Stream names are `<category>-<id>` (`alarm-3f9a…`, `rule-…`): the category is the text before the first `-`.
 * A category's log is the ordered read projections consume; the Redis adapter keeps every stream of one
 * category and its log in one hash slot so that an append is one atomic Lua script (and Cluster-ready).
 *
 * Versions count events: the first event of a stream has version 1, an empty or missing stream is version 0.
 * Aggregate streams are never trimmed (retention is an archive step, documented in docs/architecture.md).
 */

/** Who and what caused an event. Every field is optional; adapters store it verbatim. */
export interface EventMetadata {
  /** The id of the command or event that caused this one. */
  readonly causationId?: string;
  /** Shared by every event of one business operation (a poll, an API request). */
  readonly correlationId?: string;
  /** The alarm poll that observed this (alarm events). */
  readonly pollId?: string;
  /** The API key name (or `system`) that wrote it. */
  readonly actor?: string;
}

/** An event as a decider emits it: a past-tense `type` and its data. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
  readonly metadata?: EventMetadata;
}

/** An event as stored: the decider's event plus what the store assigned. */
export type RecordedEvent<E extends DomainEvent = DomainEvent> = E & {
  /** UUID, assigned at append; the idempotency key downstream (webhook-id, CloudEvent id). */
  readonly id: string;
  readonly streamName: string;
  /** Version of the stream after this event (1 for the first). */
  readonly streamVersion: number;
  /** Position in the category log (a Redis stream id, `<ms>-<seq>`); totally ordered within a category. */
  readonly position: string;
  /** When it was appended, ISO-8601 UTC. */
  readonly time: string;
  readonly metadata: EventMetadata;
};

/**
 * `number`: the stream must be at exactly this version (0 = must not exist yet).
 * `'no_stream'` = 0; `'any'`: no check (never for decider streams).
 */
export type ExpectedStreamVersion = number | 'no_stream' | 'any';

export interface AppendResult {
  readonly nextExpectedStreamVersion: number;
  /** Category-log position of the last appended event ('' when nothing was appended). */
  readonly lastPosition: string;
  /**
   * The appended events as recorded (ids, versions, positions, time), when the adapter knows them without a
   * read; `handleCommand` reads them back otherwise. Added after the first version of this port.
   */
  readonly recorded?: readonly RecordedEvent[];
}

export interface ReadStreamResult<E extends DomainEvent = DomainEvent> {
  readonly currentStreamVersion: number;
  readonly streamExists: boolean;
  readonly events: RecordedEvent<E>[];
}

export interface EventStore {
  appendToStream<E extends DomainEvent>(
    streamName: string,
    events: readonly E[],
    options?: { readonly expectedStreamVersion?: ExpectedStreamVersion },
  ): Promise<AppendResult>;
  /** Events with `from ≤ streamVersion` (default from 1), at most `maxCount`. */
  readStream<E extends DomainEvent>(
    streamName: string,
    options?: { readonly from?: number; readonly maxCount?: number },
  ): Promise<ReadStreamResult<E>>;
  /** A category's events in append order, strictly after `after` (null = from the start). */
  readCategory<E extends DomainEvent>(
    category: string,
    options: { readonly after: string | null; readonly maxCount: number },
  ): Promise<RecordedEvent<E>[]>;
}

/** Thrown by `appendToStream` when the stream is not at the expected version. */
export class ExpectedVersionConflictError extends Error {
  readonly code = 'EVENT_STORE.VERSION_CONFLICT';
  constructor(
    readonly streamName: string,
    readonly expected: ExpectedStreamVersion,
    readonly actual: number,
  ) {
    super(`stream ${streamName}: expected version ${String(expected)}, actual ${actual}`);
    this.name = 'ExpectedVersionConflictError';
  }
}

export const isVersionConflict = (e: unknown): e is ExpectedVersionConflictError => e instanceof ExpectedVersionConflictError;

/** `alarm-3f9a` → `alarm`. */
export const categoryOf = (streamName: string): string => {
  const dash = streamName.indexOf('-');
  return dash < 0 ? streamName : streamName.slice(0, dash);
};
