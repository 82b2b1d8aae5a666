/**
 * The metric allowlist as its owners write it (`metrics-allowlist.yaml`, see docs/allowlist.md), after
 * validation. Patterns are exact names or globs (`*` any run, `?` one character, `\` escapes the next one).
 */
export const ALLOWLIST_SCHEMA_VERSION = 1;

export interface AllowlistSpec {
  readonly version: typeof ALLOWLIST_SCHEMA_VERSION;
  readonly entries: readonly AllowlistEntry[];
}

export interface AllowlistEntry {
  /** Telegraf measurement: exact or glob. */
  readonly measurement: string;
  /** Field keys, exact or glob; omitted means every field of the measurement. */
  readonly fields?: readonly string[];
  /** Every listed tag rule must hold (AND). */
  readonly tags?: Readonly<Record<string, TagRule>>;
  /** Who asked for it; shown to people, ignored by the matcher. */
  readonly owner?: string;
  readonly note?: string;
}

/**
 * `"web-*"`: the tag exists and matches; `["a", "b*"]`: exists and matches any; `"!staging"`: absent or not
 * matching; `"*"`: must exist; `"!*"`: must be absent.
 */
export type TagRule = string | readonly string[];

/** `path` names the offending spot in the document, e.g. `entries[3].fields[0]`. */
export interface AllowlistError {
  readonly path: string;
  readonly message: string;
}

export type AllowlistValidation =
  | { readonly ok: true; readonly spec: AllowlistSpec }
  | { readonly ok: false; readonly errors: readonly AllowlistError[] };
