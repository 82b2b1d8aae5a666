/**
 * The one place that builds event-store and checkpoint key names. Every key of one category (its log and all its
 * aggregate streams) carries the hash tag `{<prefix><category>}`, so the append script, which writes an aggregate
 * stream and the category log together, touches a single hash slot and runs unchanged on Redis Cluster.
 * `prefix` separates deployments (and tests) sharing one Redis; it ends with ':' by convention.
 */
export interface CategoryKeys {
  /** The category log: every event of the category, full, in append order (projections read it). */
  readonly log: string;
  /** An aggregate stream: a LIST of its events' log positions, index i = version i + 1 (see APPEND_LUA). */
  stream(streamName: string): string;
}

export const categoryKeys = (prefix: string, category: string): CategoryKeys => {
  const tag = `{${prefix}${category}}`;
  return { log: `${tag}:es:log`, stream: (streamName) => `${tag}:es:stream:${streamName}` };
};

/** A projection's checkpoint: a key (and slot) of its own, written only by the compare-and-set script. */
export const checkpointKey = (prefix: string, projection: string): string => `${prefix}{projection:${projection}}:checkpoint`;
