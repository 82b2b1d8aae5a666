import type { Cluster, Redis } from 'ioredis';
import type { ProjectionCheckpoints } from '../../application/ports/projection-checkpoints.js';
import { checkpointKey } from './event-store-keys.js';
import { CHECKPOINT_CAS_LUA } from './redis-event-store-scripts.js';

export interface RedisProjectionCheckpointsOptions {
  /** Separates deployments (and tests) sharing one Redis; ends with ':' by convention. Default `aiops:`. */
  readonly keyPrefix?: string;
}

interface CheckpointCommands {
  aiopsCheckpointCas(key: string, expected: string, next: string): Promise<number>;
}

/**
 * Projection checkpoints in Redis, advanced only by a compare-and-set script: a replica that read checkpoint A
 * stores B only while it is still A, so a stale writer (paused, lease lost, back again) is refused rather than
 * moving the projection backwards or past events nobody handled. Positions are never empty, so '' stands for
 * "no checkpoint yet" inside the script.
 */
export class RedisProjectionCheckpoints implements ProjectionCheckpoints {
  private readonly prefix: string;
  private readonly cmd: CheckpointCommands;

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisProjectionCheckpointsOptions = {},
  ) {
    this.prefix = options.keyPrefix ?? 'aiops:';
    redis.defineCommand('aiopsCheckpointCas', { numberOfKeys: 1, lua: CHECKPOINT_CAS_LUA });
    this.cmd = redis as unknown as CheckpointCommands;
  }

  async read(projection: string): Promise<string | null> {
    return this.redis.get(checkpointKey(this.prefix, projection));
  }

  async compareAndSet(projection: string, expected: string | null, next: string): Promise<boolean> {
    if (typeof next !== 'string' || next.length === 0) throw new Error(`checkpoint of ${projection} must be a non-empty position`);
    return (await this.cmd.aiopsCheckpointCas(checkpointKey(this.prefix, projection), expected ?? '', next)) === 1;
  }

  async reset(projection: string): Promise<void> {
    await this.redis.del(checkpointKey(this.prefix, projection));
  }
}
