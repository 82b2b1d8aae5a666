/**
 * A copy of `s` that shares no memory with the text it was cut from.
 *
 * V8 represents a substring of 13+ characters as a view into its parent string, so a name sliced from a
 * 1 MB Kafka payload and kept as a map key would keep the whole payload alive. Long-lived keys (tally names,
 * memo entries) go through this once, when they are first stored; it is never called per point.
 * Concatenating forces V8 to build a new flat string; the slice then views that small copy, not the payload.
 */
export function detachString(s: string): string {
  return ` ${s}`.slice(1);
}
