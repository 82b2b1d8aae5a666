import type { EventMetadata, RecordedEvent } from '../../application/ports/event-store.js';

/** A category-log entry as XRANGE returns it: [position, ['v', version, 'e', event JSON]]. */
export type LogEntry = [string, string[]];

/**
 * The event as one JSON document, property names as in RecordedEvent. One field rather than one per property
 * because catch-up is bound by the client parsing replies: two bulk strings per entry instead of fourteen
 * (guarded by `npm run bench -- eventstore`). Still plain JSON for anyone reading the log with redis-cli.
 */
export const encodeLogEvent = (
  id: string,
  type: string,
  streamName: string,
  time: string,
  data: unknown,
  metadata: EventMetadata,
): string => JSON.stringify({ id, type, streamName, time, data, metadata });

/** Decodes a log entry written by APPEND_LUA: one JSON.parse, then the version and position added in place. */
export const decodeLogEntry = ([position, fields]: LogEntry): RecordedEvent => {
  const json = fields[0] === 'e' ? fields[1] : fields[3];
  const version = fields[0] === 'v' ? fields[1] : fields[3];
  const event = json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>);
  if (!event || typeof event.id !== 'string' || typeof event.type !== 'string' || typeof event.streamName !== 'string') {
    throw new Error(`event store: log entry ${position} is not an event`);
  }
  event.streamVersion = Number(version);
  event.position = position;
  return event as unknown as RecordedEvent;
};
