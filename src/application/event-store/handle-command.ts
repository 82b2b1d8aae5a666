import { decidedEvents, type Decider } from '../../domain/decider.js';
import {
  isVersionConflict,
  type DomainEvent,
  type EventMetadata,
  type EventStore,
  type RecordedEvent,
} from '../ports/event-store.js';

export interface HandleCommandOptions {
  /** How many times a version conflict is retried (re-read, re-decide) before it is thrown. Default 3. */
  readonly retries?: number;
  /** Merged under each event's own metadata (the event's fields win): correlation, causation, poll id. */
  readonly metadata?: EventMetadata;
}

export interface HandleCommandResult<State, Event extends DomainEvent> {
  readonly newState: State;
  /** What was appended, as recorded (ids, versions, positions); empty when the decider decided nothing. */
  readonly newEvents: RecordedEvent<Event>[];
  readonly nextExpectedStreamVersion: number;
}

/**
 * Command handling in the Emmett decider style: read the stream, fold it with `evolve`, `decide`, append with
 * the version that was read. A concurrent writer makes the append fail with ExpectedVersionConflictError; the
 * command is then decided again on the fresh stream, because the decision may differ (the alarm may already be
 * resolved). After `retries` retries the conflict is thrown to the caller.
 */
export const handleCommand = async <State, Command, Event extends DomainEvent>(
  store: EventStore,
  streamName: string,
  decider: Decider<State, Command, Event>,
  command: Command,
  options: HandleCommandOptions = {},
): Promise<HandleCommandResult<State, Event>> => {
  const retries = options.retries ?? 3;
  for (let attempt = 0; ; attempt++) {
    const { events: history, currentStreamVersion } = await store.readStream<Event>(streamName);
    const state = history.reduce((s: State, e: Event) => decider.evolve(s, e), decider.initialState());
    const decided = decidedEvents(decider.decide(command, state));
    if (decided.length === 0) return { newState: state, newEvents: [], nextExpectedStreamVersion: currentStreamVersion };
    const toAppend = options.metadata
      ? decided.map((e) => ({ ...e, metadata: { ...options.metadata, ...e.metadata } }))
      : decided;
    try {
      const result = await store.appendToStream(streamName, toAppend, { expectedStreamVersion: currentStreamVersion });
      const recorded =
        (result.recorded as RecordedEvent<Event>[] | undefined) ??
        (await readAppended<Event>(store, streamName, currentStreamVersion, toAppend.length)).events;
      return {
        newState: decided.reduce((s: State, e: Event) => decider.evolve(s, e), state),
        newEvents: recorded,
        nextExpectedStreamVersion: result.nextExpectedStreamVersion,
      };
    } catch (err) {
      if (!isVersionConflict(err) || attempt >= retries) throw err;
    }
  }
};

/** The recorded form of what was just appended (the store assigned ids, versions and positions). */
const readAppended = <Event extends DomainEvent>(store: EventStore, streamName: string, before: number, count: number) =>
  store.readStream<Event>(streamName, { from: before + 1, maxCount: count });
