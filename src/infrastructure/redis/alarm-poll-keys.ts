/**
 * Key names of the alarm poller, built in one place. The lease's two keys share the hash tag `{<prefix>alarm-poll}`
 * because its Lua script touches both (Cluster-ready); the known-alarm index and the history cursor are written
 * with MULTI and share the same tag for the same reason. `prefix` ends with ':' by convention.
 */
export const alarmPollKeys = (prefix: string) => {
  const tag = `{${prefix}alarm-poll}`;
  return {
    /** The last interval tick claimed (a number). */
    tick: `${tag}:tick`,
    /** The token of the replica whose poll is running, with a TTL (its lease). */
    running: `${tag}:running`,
    /** Hash: alarm id → JSON KnownAlarm. */
    known: `${tag}:known`,
    /** Epoch ms where the last completely read history window ended. */
    historyCursor: `${tag}:history-cursor`,
  } as const;
};
