/**
 * Key names for the metric catalog (drop ledger), the bad-line quarantine and the allowlist write lock.
 * Every key starts with the fleet's key prefix (config `redis.keyPrefix`; tests use a random one).
 *
 * Catalog keys of one hour share the hash tag `{<prefix>:catalog:<hour>}`, so the script that updates a minute
 * and its hour's tag keys together also runs on Redis Cluster (all keys of one call in one slot).
 */
export interface CatalogMinuteKeys {
  /** Hash name → "seen passed <drop counts…> lastSeenMs" for one minute (see catalog-record-script.ts). */
  readonly counts: string;
  /** Hash `<name>\x1f<tagKey>` → 1: tag keys seen with each name, per hour (they rarely change by the minute). */
  readonly tags: string;
}

/** `minute` is epoch minutes: Math.floor(epochMs / 60_000). */
export const catalogMinuteKeys = (prefix: string, minute: number): CatalogMinuteKeys => {
  const hour = Math.floor(minute / 60);
  const tag = `{${prefix}:catalog:${hour}}`;
  return { counts: `${tag}:m:${minute}`, tags: `${tag}:tags` };
};

/** One capped stream of quarantined (undecodable) lines, newest last. */
export const quarantineKey = (prefix: string): string => `${prefix}:quarantine`;

/** Serialises compare-and-set writes of one Nacos config through this service. */
export const allowlistLockKey = (prefix: string, group: string, dataId: string): string =>
  `${prefix}:lock:allowlist:${group}/${dataId}`;
