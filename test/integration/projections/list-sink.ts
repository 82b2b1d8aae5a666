import type { Redis } from 'ioredis';
import type { AlarmSink, DeliveryOutcome } from '../../../src/application/ports/alarm-sink.js';

/**
 * A sink that records each delivery in a Redis list (`<tag>|<eventId>|<who>`), so deliveries made by several
 * processes, one of them killed, land in one ordered record. `down()` says whether to answer retry instead.
 */
export const listSink = (redis: Redis, key: string, who: string, opts: { delayMs?: number; down?: () => boolean } = {}): AlarmSink => ({
  name: 'test',
  async deliver(event): Promise<DeliveryOutcome> {
    if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
    if (opts.down?.()) return { kind: 'retry', reason: 'receiver down' };
    await redis.rpush(key, `${event.streamName}#${event.streamVersion}|${event.id}|${who}`);
    return { kind: 'delivered' };
  },
});

export interface ListedDelivery {
  readonly tag: string;
  readonly stream: string;
  readonly version: number;
  readonly eventId: string;
  readonly who: string;
}

export const readDeliveries = async (redis: Redis, key: string): Promise<ListedDelivery[]> =>
  (await redis.lrange(key, 0, -1)).map((row) => {
    const [tag = '', eventId = '', who = ''] = row.split('|');
    const hash = tag.lastIndexOf('#');
    return { tag, stream: tag.slice(0, hash), version: Number(tag.slice(hash + 1)), eventId, who };
  });
