import { detachString } from '../../domain/allowlist/detach-string.js';

/**
 * The field keys (and, in a second trie, the measurement names) the ingest stage has met, as a byte trie that a wire decoder walks while it scans a field key
 * (see DecodeHandler.fieldKeys): a known key is recognised when its last byte is read, with no hash and no
 * second pass over its bytes, and the ingest stage finds the key's slot by the id (MeasurementSlots.byId).
 * HOT PATH, written for speed and guarded by `bench/decode.ts`: one flat Int32Array of rows, one row of
 * 2^COLUMN_BITS entries per state over a dense alphabet of the bytes the admitted keys hold, walked inline by
 * the decoder (InfluxLineDecoder.point): `row = next[row + column]` per byte, rows being stored by their
 * offset so that the walk's chain of dependent loads has nothing else in it. (Comparing runs of one-child states byte by byte against
 * the key instead, as a radix trie does, measured slower in that bench.)
 *
 * Only keys of printable ASCII other than space, comma, `=`, backslash and DEL are admitted: for those the
 * line-protocol bytes are the key itself (nothing to unescape), every byte of the key is an ordinary name byte,
 * so a decoder whose walk stops early can go on scanning from where the walk stopped as if it had scanned
 * the bytes itself. A walk is a hit only when it stops on the `=` after the key.
 */
export class FieldKeyTrie {
  /** Byte → column 1..MAX_COLUMN; 0 for a byte no admitted key holds (the walk stops there). */
  readonly columns = new Uint8Array(256);
  /**
   * Per state, a row at offset `state << COLUMN_BITS`: at `row + column` the offset of the child's row, 0 for
   * none (the root's row is 0, and the root is no one's child); at `row` itself (column 0, never a byte's)
   * the id + 1 of the key ending at the state, 0 when none does. Replaced on growth.
   */
  next = new Int32Array(64 << COLUMN_BITS);
  private states = 1;
  private columnCount = 0;
  private readonly keys: string[] = [];

  /** Keys admitted so far. */
  get size(): number {
    return this.keys.length;
  }

  /** True once no further key can be admitted (the caller may start over with a fresh trie). */
  get full(): boolean {
    return this.keys.length >= MAX_KEYS || this.states + MAX_KEY_LENGTH > MAX_STATES;
  }

  /** The key with this id. */
  key(id: number): string | undefined {
    return this.keys[id];
  }

  /** The id of `key`, admitting it when new; -1 when it cannot be admitted (its bytes, its length, or room). */
  insert(key: string): number {
    const length = key.length;
    if (length === 0 || length > MAX_KEY_LENGTH) return -1;
    for (let i = 0; i < length; i++) if (!admitted(key.charCodeAt(i))) return -1;
    const known = this.find(key);
    if (known >= 0) return known;
    if (this.full) return -1;
    const fresh = new Set<number>();
    for (let i = 0; i < length; i++) if (this.columns[key.charCodeAt(i)] === 0) fresh.add(key.charCodeAt(i));
    if (this.columnCount + fresh.size > MAX_COLUMN) return -1;
    let row = 0;
    for (let i = 0; i < length; i++) {
      const column = this.column(key.charCodeAt(i));
      let t = this.next[row + column]!;
      if (t === 0) {
        t = this.newState() << COLUMN_BITS;
        this.next[row + column] = t;
      }
      row = t;
    }
    const id = this.keys.length;
    this.keys.push(detachString(key)); // kept, and handed out as a line's measurement: no view into a payload
    this.next[row] = id + 1;
    return id;
  }

  /** The id of `key`, or -1 when it is not in the trie: the walk a decoder does, over a string. */
  find(key: string): number {
    let row = 0;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      const column = c < 256 ? this.columns[c]! : 0;
      if (column === 0) return -1;
      row = this.next[row + column]!;
      if (row === 0) return -1;
    }
    return this.next[row]! - 1;
  }

  private column(c: number): number {
    if (this.columns[c] === 0) this.columns[c] = ++this.columnCount;
    return this.columns[c]!;
  }

  private newState(): number {
    const s = this.states++;
    if (s << COLUMN_BITS >= this.next.length) this.next = grown(this.next, this.next.length * 2);
    return s;
  }
}

/** log2 of the row width: up to 63 distinct key bytes (column 0 is "stop"). */
export const COLUMN_BITS = 6;
const MAX_COLUMN = (1 << COLUMN_BITS) - 1;
/** The table then stays within 8 MB even when a producer invents keys. */
const MAX_STATES = 32_768;
export const MAX_KEYS = 8_192;
const MAX_KEY_LENGTH = 256;

function grown<T extends Uint8Array | Uint16Array | Int32Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}

/** Printable ASCII other than space (0x20), comma, `=`, backslash and DEL: ordinary name bytes, never escaped. */
function admitted(c: number): boolean {
  return c > 0x20 && c < 0x7f && c !== 0x2c && c !== 0x3d && c !== 0x5c;
}
