/**
 * Where each projection has got to in its category log, written with compare-and-set: a replica that read
 * checkpoint A may store B only while the checkpoint is still A, so two replicas never both advance one
 * projection and a stale writer (one that paused, lost its lease, came back) is refused.
 */
export interface ProjectionCheckpoints {
  /** The last handled position, null when the projection has handled nothing yet. */
  read(projection: string): Promise<string | null>;
  /** `false` when the stored checkpoint is no longer `expected` (someone else advanced it). */
  compareAndSet(projection: string, expected: string | null, next: string): Promise<boolean>;
  /** Back to the start (rebuild). */
  reset(projection: string): Promise<void>;
}
