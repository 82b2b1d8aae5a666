/**
 * A named, expiring lease: at most one owner at a time, fleet-wide. The owner renews it well within its TTL; an
 * owner that dies stops renewing and the lease lapses, so another replica takes over after at most one TTL.
 *
 * A lease alone is not a fence (a paused owner may still act for a moment after it lapsed): whatever it protects
 * must also refuse stale writers — projections do that with the checkpoint's compare-and-set.
 */
export interface Lease {
  /** Takes the lease for `owner` when nobody holds it (or `owner` already does); `true` when `owner` holds it now. */
  acquire(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease only while `owner` still holds it; `false` = lost (expired or taken). */
  renew(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives it up if `owner` holds it (a no-op otherwise). */
  release(name: string, owner: string): Promise<void>;
  /** Who holds it now, null when free. */
  holder(name: string): Promise<string | null>;
}
