/**
 * The port between the ingest stage and the wire decoders (Telegraf line protocol and JSON live in
 * infrastructure/telegraf). It is a visitor rather than a returned array so that the hot path allocates no
 * intermediate metric objects: the decoder reuses one DecodedLine and hands it over line by line.
 */
import type { FieldKeyTrie } from './field-key-trie.js';

export type PayloadFormat = 'auto' | 'influx' | 'json';
export type TimePrecision = 's' | 'ms' | 'us' | 'ns';

export interface DecodeContext {
  /** Epoch ms for points that carry no timestamp; one value per payload. */
  readonly nowMs: number;
  /** `auto` (default): first non-blank byte `{` means JSON, anything else line protocol. */
  readonly format?: PayloadFormat;
  /** Unit of line-protocol timestamps; default `ns`, as InfluxDB and Telegraf. */
  readonly precision?: TimePrecision;
  /** Unit of Telegraf JSON `timestamp`; default `s`, Telegraf's `json_timestamp_units = "1s"`. */
  readonly jsonTimeUnit?: TimePrecision;
  /** Per-line and per-message bounds the decoders enforce while they scan (see DecodeLimits). */
  readonly limits?: DecodeLimits;
}

/**
 * Bounds on what one line (JSON: one metric) may hold. Checked on numbers the decoders compute anyway (field and
 * tag counts, token bounds), so they cost a compare per line or per key. A line over a bound is a bad line with
 * the reason named below; its neighbours pass.
 */
export interface DecodeLimits {
  /** `too_many_fields`. */
  readonly maxFieldsPerLine: number;
  /** `too_many_tags`. */
  readonly maxTagsPerLine: number;
  /** Measurement, field key: `name_too_long` (characters; a line-protocol field key in bytes as written). */
  readonly maxNameLength: number;
  /** JSON payloads nested deeper than this are refused whole (`MessageRejected`, `too_deep`) before parsing. */
  readonly maxJsonDepth: number;
}

/**
 * "No bound" as the largest small integer rather than Infinity: the decoder's limit fields then always hold
 * small integers, whichever limits a decode brings, and V8 keeps one fast representation for them.
 */
export const UNBOUNDED = 0x3fffffff;

/**
 * What a decoder applies when the context names no limits: no bounds on lines (the service always passes its
 * configured ones, see IngestLimitsConfig), but a JSON depth bound still, since past a few thousand levels
 * walking the document overflows the stack.
 */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxFieldsPerLine: UNBOUNDED, maxTagsPerLine: UNBOUNDED, maxNameLength: UNBOUNDED, maxJsonDepth: 64 };

/** Why a whole message was refused. Stable codes (metric labels, quarantine reasons). */
export type MessageRejectReason = 'message_too_large' | 'too_many_lines' | 'too_deep' | 'decode_error';

/**
 * Thrown (from a decoder or the ingest stage) to refuse a whole message: the ingest pipeline catches it per
 * message, drops everything the message produced so far and quarantines the message. Any other exception
 * during a message is handled the same way, as `decode_error`.
 */
export class MessageRejected extends Error {
  readonly code = 'INGEST.MESSAGE_REJECTED';
  constructor(
    readonly reason: MessageRejectReason,
    detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'MessageRejected';
  }
}

/** Why a line (or a JSON metric) was rejected whole. Stable codes: they are metric labels and catalog keys. */
export type BadLineReason =
  | 'missing_measurement'
  | 'bad_tag'
  | 'missing_fields'
  | 'bad_field_key'
  | 'bad_field_value'
  | 'unterminated_string'
  | 'bad_escape'
  | 'bad_timestamp'
  | 'bad_character'
  | 'bad_utf8'
  | 'bad_json'
  | 'bad_metric'
  | 'too_many_fields'
  | 'too_many_tags'
  | 'name_too_long';

/**
 * One well-formed line. Valid only during the `line` callback: the decoder reuses the object and its strings
 * may be views into the payload (copy what you keep beyond the payload's life).
 * Keys and tags are decoded lazily: a caller that never asks for them pays only for their syntax check.
 */
export interface DecodedLine {
  readonly measurement: string;
  /** Epoch milliseconds. */
  readonly tsMs: number;
  readonly fieldCount: number;
  fieldKey(i: number): string;
  /** Whether field i's key equals `key`, without building the key string (the hot path's cache check). */
  fieldKeyIs(i: number, key: string): boolean;
  /**
   * A cheap hash of field i's key for cache lookups, computed without building the key: equal keys give equal
   * hashes (see keyHash), different keys usually differ. Confirm a hit with fieldKeyIs.
   */
  fieldKeyHash(i: number): number;
  /**
   * Field i's key id in the handler's FieldKeyTrie (DecodeHandler.fieldKeys), found while the key was scanned:
   * >= 0 the id; NOT_IN_TRIE the decoder walked the trie and the key is not in it (yet); NO_KEY_ID the decoder
   * did not look (no trie, or a decoder that does not use one).
   */
  fieldKeyId(i: number): number;
  /**
   * The measurement's id in the handler's measurement trie (DecodeHandler.measurementNames), found while it was
   * scanned (then `measurement` is the trie's own string): >= 0 the id; NOT_IN_TRIE / NO_KEY_ID as fieldKeyId.
   */
  readonly measurementId: number;
  /** Floats, integers and unsigned as numbers; booleans as 1/0; NaN for a string field. */
  fieldValue(i: number): number;
  /** False for string fields, which never go to the engine. */
  fieldIsNumeric(i: number): boolean;
  readonly tagCount: number;
  tagKey(i: number): string;
  tagValue(i: number): string;
}

export interface DecodeHandler {
  /** Field keys the decoder may recognise while scanning (see DecodedLine.fieldKeyId); read once per payload. */
  readonly fieldKeys?: FieldKeyTrie | null;
  /** Measurement names the decoder may recognise while scanning (see DecodedLine.measurementId); read once per payload. */
  readonly measurementNames?: FieldKeyTrie | null;
  /**
   * Measurements whose lines the decoder may pass over once it has read their name: 1 at a `measurementNames`
   * id. Read once per payload. A decoder that honours it calls `skipped` instead of `line` (or `badLine`) for
   * such a line, without scanning its tags, fields or timestamp; it may still decode the line in full (a line
   * holding a `"`, whose string field may span lines, or a payload that is not valid UTF-8).
   */
  readonly skippable?: Uint8Array | null;
  /** A line of the measurement `measurementId` (a `skippable` one) was passed over, unread past its name. */
  skipped?(measurementId: number): void;
  line(line: DecodedLine): void;
  /** `raw` is the offending line (JSON: the offending metric), cut to a bounded length. */
  badLine(reason: BadLineReason, raw: string): void;
}

export interface PayloadDecoder {
  /** Never throws on bad input: every line is either handed to `line` or reported to `badLine`. */
  decode(payload: Buffer, ctx: DecodeContext, handler: DecodeHandler): void;
}

/** DecodedLine.fieldKeyId: the decoder walked the trie and did not find the key. */
export const NOT_IN_TRIE = -1;
/** DecodedLine.fieldKeyId: the decoder did not consult a trie for this key. */
export const NO_KEY_ID = -2;

/** Longest raw text kept for a bad line, so a garbage megabyte does not become a megabyte log entry. */
export const MAX_RAW_LENGTH = 1024;

/**
 * The hash fieldKeyHash returns, over a key's character codes (bytes, for ASCII keys): length, first, second,
 * middle and last character. Five reads whatever the key's length, which is all the ingest cache needs to
 * tell the handful of field keys of one measurement apart.
 */
export function keyHash(length: number, first: number, second: number, middle: number, last: number): number {
  let h = Math.imul(length, 0x9e3779b1) ^ first;
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b) ^ second;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ middle;
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f) ^ last;
  return Math.imul(h ^ (h >>> 15), 0x165667b1) ^ (h >>> 16);
}
