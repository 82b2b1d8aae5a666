import type { EventStore } from '../ports/event-store.js';
import type { Lease } from '../ports/lease.js';
import type { ProjectionCheckpoints } from '../ports/projection-checkpoints.js';

export interface ProjectionStatus {
  readonly name: string;
  readonly checkpoint: string | null;
  /** Replica holding the lease, null when nobody runs it. */
  readonly owner: string | null;
  /** Events in the log after the checkpoint, counted up to `cap`. */
  readonly behind: number;
  /** True when there are at least `cap` (the count stopped there). */
  readonly behindCapped: boolean;
  /** Age of the oldest event not yet handled (ms), 0 when caught up. */
  readonly oldestPendingAgeMs: number;
}

/**
 * How far a projection is behind its log. The event store has no "count after": the lag is counted by reading
 * at most `cap` events after the checkpoint (cheap enough every few seconds; beyond the cap it says "≥ cap").
 */
export async function projectionStatus(
  deps: { readonly store: Pick<EventStore, 'readCategory'>; readonly checkpoints: ProjectionCheckpoints; readonly lease: Lease },
  name: string,
  category: string,
  opts: { readonly cap?: number; readonly now?: () => number } = {},
): Promise<ProjectionStatus> {
  const cap = opts.cap ?? 10_000;
  const [checkpoint, owner] = await Promise.all([deps.checkpoints.read(name), deps.lease.holder(name)]);
  const pending = await deps.store.readCategory(category, { after: checkpoint, maxCount: cap });
  const oldest = pending[0];
  return {
    name,
    checkpoint,
    owner,
    behind: pending.length,
    behindCapped: pending.length >= cap,
    oldestPendingAgeMs: oldest ? Math.max(0, (opts.now ?? Date.now)() - Date.parse(oldest.time)) : 0,
  };
}
