import type { ProjectionCheckpoints } from '../ports/projection-checkpoints.js';

/** The in-memory twin of RedisProjectionCheckpoints: the same compare-and-set, for unit tests. */
export class InMemoryProjectionCheckpoints implements ProjectionCheckpoints {
  private readonly checkpoints = new Map<string, string>();

  async read(projection: string): Promise<string | null> {
    return this.checkpoints.get(projection) ?? null;
  }

  async compareAndSet(projection: string, expected: string | null, next: string): Promise<boolean> {
    if (typeof next !== 'string' || next.length === 0) throw new Error(`checkpoint of ${projection} must be a non-empty position`);
    if ((this.checkpoints.get(projection) ?? null) !== expected) return false;
    this.checkpoints.set(projection, next);
    return true;
  }

  async reset(projection: string): Promise<void> {
    this.checkpoints.delete(projection);
  }
}
