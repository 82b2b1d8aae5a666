/**
 * A short-lived cache shared by every replica, with a lease so that one replica computes a missing value while
 * the others wait for it (single-flight across the fleet). Values are opaque strings.
 */
export interface SharedCache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** A token when this caller now holds the lease for `key`, null when someone else does. */
  lease(key: string, ttlMs: number): Promise<string | null>;
  /** Gives the lease back if `token` still holds it. */
  release(key: string, token: string): Promise<void>;
  /** Whether anyone holds the lease for `key` (a waiter stops waiting when the holder is gone). */
  leased(key: string): Promise<boolean>;
}
