import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  checkAfter,
  checkAppend,
  checkCount,
  checkFrom,
  checkStreamName,
  expectedAsNumber,
} from '../../application/event-store/event-store-input.js';
import {
  categoryOf,
  type AppendResult,
  type DomainEvent,
  type EventStore,
  type ExpectedStreamVersion,
  type ReadStreamResult,
  type RecordedEvent,
} from '../../application/ports/event-store.js';
import { categoryKeys, type CategoryKeys } from './event-store-keys.js';
import { APPEND_LUA, appendScriptError, READ_STREAM_LUA } from './redis-event-store-scripts.js';
import { decodeLogEntry, encodeLogEvent, type LogEntry } from './redis-log-entry.js';

export interface RedisEventStoreOptions {
  /** Separates deployments (and tests) sharing one Redis; ends with ':' by convention. Default `aiops:`. */
  readonly keyPrefix?: string;
}

interface EventStoreCommands {
  aiopsEsAppend(stream: string, log: string, ...args: string[]): Promise<(number | string)[]>;
  aiopsEsReadStream(stream: string, log: string, from: number, maxCount: number): Promise<[number, ...(LogEntry | null)[]]>;
}

/**
 * The EventStore on Redis Streams. An append is one Lua script: the expected-version check, the XADDs to the
 * category log and the RPUSH of their positions to the aggregate stream's list happen atomically. The category log holds each event in full (projections
 * read only it); an aggregate stream is a small list of its events' log positions, so an event's bytes are stored
 * once. Key layout and retention: docs/architecture.md, "Event store".
 */
export class RedisEventStore implements EventStore {
  private readonly prefix: string;
  private readonly cmd: EventStoreCommands;
  /** Key builders per category (a handful: alarm, rule, …), so the append path builds no closures. */
  private readonly keysByCategory = new Map<string, CategoryKeys>();

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisEventStoreOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'aiops:';
    redis.defineCommand('aiopsEsAppend', { numberOfKeys: 2, lua: APPEND_LUA });
    redis.defineCommand('aiopsEsReadStream', { numberOfKeys: 2, lua: READ_STREAM_LUA });
    this.cmd = redis as unknown as EventStoreCommands;
  }

  private keysOf(streamName: string): { stream: string; log: string } {
    const category = categoryOf(streamName);
    let keys = this.keysByCategory.get(category);
    if (!keys) {
      keys = categoryKeys(this.prefix, category);
      this.keysByCategory.set(category, keys);
    }
    return { stream: keys.stream(streamName), log: keys.log };
  }

  async appendToStream<E extends DomainEvent>(
    streamName: string,
    events: readonly E[],
    options: { readonly expectedStreamVersion?: ExpectedStreamVersion } = {},
  ): Promise<AppendResult> {
    const expectedVersion = options.expectedStreamVersion ?? 'any';
    checkAppend(streamName, events, expectedVersion);
    const time = new Date().toISOString();
    // Encode everything before the script runs: data JSON cannot encode fails here, with nothing written.
    const ids = events.map(() => randomUUID());
    const args = [String(expectedAsNumber(expectedVersion) ?? -1)];
    events.forEach((e, i) => args.push(encodeLogEvent(ids[i]!, e.type, streamName, time, e.data, e.metadata ?? {})));
    const keys = this.keysOf(streamName);
    const reply = await this.cmd.aiopsEsAppend(keys.stream, keys.log, ...args);
    const head = Number(reply[0]);
    if (head < 0) throw appendScriptError(head, streamName, expectedVersion, Number(reply[1]));
    const first = head - events.length + 1;
    // The caller's own data and metadata objects, not re-parsed JSON: equal to what a read returns for the JSON
    // data events carry, and a JSON.parse cheaper on the append path (bench/eventstore.ts).
    const recorded = events.map(
      (e, i) =>
        ({
          type: e.type,
          data: e.data,
          metadata: e.metadata ?? {},
          id: ids[i]!,
          streamName,
          streamVersion: first + i,
          position: String(reply[i + 1]),
          time,
        }) as RecordedEvent,
    );
    return { nextExpectedStreamVersion: head, lastPosition: recorded.at(-1)?.position ?? '', recorded };
  }

  async readStream<E extends DomainEvent>(
    streamName: string,
    options: { readonly from?: number; readonly maxCount?: number } = {},
  ): Promise<ReadStreamResult<E>> {
    checkStreamName(streamName);
    const from = checkFrom(options.from);
    const maxCount = options.maxCount === undefined ? -1 : checkCount('maxCount', options.maxCount, 1);
    const keys = this.keysOf(streamName);
    const [version, ...entries] = await this.cmd.aiopsEsReadStream(keys.stream, keys.log, from, maxCount);
    const events = entries.map((entry, i) => {
      if (!entry) throw new Error(`event store: ${streamName} version ${from + i} points at a missing log entry`);
      return decodeLogEntry(entry) as RecordedEvent<E>;
    });
    return { currentStreamVersion: Number(version), streamExists: Number(version) > 0, events };
  }

  async readCategory<E extends DomainEvent>(
    category: string,
    options: { readonly after: string | null; readonly maxCount: number },
  ): Promise<RecordedEvent<E>[]> {
    const maxCount = checkCount('maxCount', options.maxCount, 1);
    const after = checkAfter(options.after);
    const start = after === null ? '-' : `(${after}`;
    const entries = (await this.redis.xrange(categoryKeys(this.prefix, category).log, start, '+', 'COUNT', maxCount)) as LogEntry[];
    return entries.map((entry) => decodeLogEntry(entry) as RecordedEvent<E>);
  }
}
