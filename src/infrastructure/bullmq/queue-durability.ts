import type { Redis } from 'ioredis';

export type QueueDurabilityMode = 'fsync' | 'replica' | 'off';

export interface DurabilityCheck {
  readonly mode: QueueDurabilityMode;
  /** false: an acknowledged enqueue may still be lost by a Redis crash (its offsets committed meanwhile). */
  readonly durable: boolean | 'unknown';
  readonly detail: string;
}

/**
 * Whether the queue's Redis acknowledges a write only once it is durable. With `fsync` that is its AOF policy
 * (`appendonly yes`, `appendfsync always`: the reply follows the fsync); Redis 7.0 has no per-command check
 * (WAITAOF arrived in 7.2), so it is read once at start. A Redis whose CONFIG command is disabled (managed
 * services) answers `unknown`. With `replica` each enqueue waits for its replicas (see BullmqForwardQueue).
 */
export async function checkQueueDurability(redis: Redis, mode: QueueDurabilityMode): Promise<DurabilityCheck> {
  if (mode === 'off') return { mode, durable: false, detail: 'queueDurability off: offsets are committed on the Redis acknowledgement alone' };
  if (mode === 'replica') {
    const info = await redis.info('replication').catch(() => '');
    const replicas = Number(/connected_slaves:(\d+)/.exec(info)?.[1] ?? 0);
    return { mode, durable: replicas > 0, detail: `${replicas} connected replica(s); every enqueue waits for them (WAIT)` };
  }
  try {
    const [, aof] = (await redis.config('GET', 'appendonly')) as [string, string];
    const [, fsync] = (await redis.config('GET', 'appendfsync')) as [string, string];
    const durable = aof === 'yes' && fsync === 'always';
    return { mode, durable, detail: `appendonly ${aof}, appendfsync ${fsync}${durable ? '' : ': a Redis crash can lose acknowledged batches (need appendfsync always)'}` };
  } catch (err) {
    return { mode, durable: 'unknown', detail: `CONFIG GET refused (${(err as Error).message}): cannot tell whether the AOF is fsynced per write` };
  }
}
