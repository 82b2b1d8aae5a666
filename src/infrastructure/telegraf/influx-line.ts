import type { DecodedLine } from '../../application/ingest/payload-decoder.js';
import { keyHash, NO_KEY_ID } from '../../application/ingest/payload-decoder.js';

const EMPTY = Buffer.alloc(0);
const KEY_CACHE_SIZE = 256;
const VALUE_CACHE_SIZE = 4096;

/**
 * The decoder's reusable view of the current line. Field keys and tags are kept as offsets into the payload
 * and sliced only when asked for: the ingest stage recognises a field key it has seen before by comparing it
 * in place (fieldKeyIs), and most lines belong to measurements the allowlist drops, whose tags nobody reads.
 */
export class InfluxLine implements DecodedLine {
  measurement = '';
  measurementId = NO_KEY_ID;
  tsMs = 0;
  fieldCount = 0;
  tagCount = 0;
  /** Length of the longest raw field key of the line (the decoder's name bound). */
  longestKey = 0;
  private bytes: Buffer = EMPTY;
  /**
   * Whether the payload is pure ASCII: names and values are then cut with a latin1 copy of their bytes, else
   * decoded as UTF-8. No string of the whole payload is made: nearly every name and tag value comes from a trie
   * or a cache, and a cut-out copy keeps nothing of the payload alive (a view into a payload string would).
   */
  private ascii = false;
  /** Per field: key start, key end. */
  private keyBounds = new Int32Array(32);
  /** Per field: 1 when the key holds escape sequences. */
  private keyEscapes = new Uint8Array(16);
  /** Per field: the key's id in the handler's FieldKeyTrie, or NOT_IN_TRIE / NO_KEY_ID. */
  private keyIds = new Int32Array(16);
  private values = new Float64Array(16);
  private numeric = new Uint8Array(16);
  /** Per tag: key start, key end, value start, value end. */
  private tagBounds = new Int32Array(64);
  /** Per tag: bit 0 the key has escapes, bit 1 the value has. */
  private tagEscapes = new Uint8Array(16);
  /** Plain tag keys of ASCII payloads met lately, by a hash of their bytes (see internedKey). */
  private readonly keyCache: (string | undefined)[] = new Array<string | undefined>(KEY_CACHE_SIZE).fill(undefined);
  /** Plain tag values of ASCII payloads met lately, by a hash of all their bytes (see internedValue). */
  private readonly valueCache: (string | undefined)[] = new Array<string | undefined>(VALUE_CACHE_SIZE).fill(undefined);

  bind(bytes: Buffer, ascii: boolean): void {
    this.bytes = bytes;
    this.ascii = ascii;
    this.fieldCount = 0;
    this.tagCount = 0;
  }

  /** Drops the references to the payload once it has been decoded. */
  release(): void {
    this.bytes = EMPTY;
    this.ascii = false;
    this.measurement = '';
  }

  /** The payload text of [start, end), without unescaping: always a copy. */
  slice(start: number, end: number): string {
    return this.bytes.toString(this.ascii ? 'latin1' : 'utf8', start, end);
  }

  startLine(measurement: string, measurementId: number): void {
    this.measurement = measurement;
    this.measurementId = measurementId;
    this.fieldCount = 0;
    this.tagCount = 0;
    this.longestKey = 0;
  }

  /** Whether a tag with the key b[start, end) (raw, still escaped) is already on this line. */
  hasTagKey(start: number, end: number): boolean {
    const length = end - start;
    const b = this.bytes;
    for (let t = 0; t < this.tagCount; t++) {
      const a = this.tagBounds[t * 4]!;
      if (this.tagBounds[t * 4 + 1]! - a !== length) continue;
      let i = 0;
      while (i < length && b[a + i] === b[start + i]) i++;
      if (i === length) return true;
    }
    return false;
  }

  /** Forgets the tags added so far to this line. */
  clearTags(): void {
    this.tagCount = 0;
  }

  addTag(keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, escapes: number): void {
    const i = this.tagCount++;
    if (i >= this.tagEscapes.length) this.growTags();
    const o = i * 4;
    this.tagBounds[o] = keyStart;
    this.tagBounds[o + 1] = keyEnd;
    this.tagBounds[o + 2] = valueStart;
    this.tagBounds[o + 3] = valueEnd;
    this.tagEscapes[i] = escapes;
  }

  addField(keyStart: number, keyEnd: number, keyEscaped: boolean, keyId: number, value: number, numeric: boolean): void {
    const i = this.fieldCount++;
    if (i >= this.values.length) this.growFields();
    if (keyEnd - keyStart > this.longestKey) this.longestKey = keyEnd - keyStart;
    this.keyBounds[i * 2] = keyStart;
    this.keyBounds[i * 2 + 1] = keyEnd;
    this.keyEscapes[i] = keyEscaped ? 1 : 0;
    this.keyIds[i] = keyId;
    this.values[i] = value;
    this.numeric[i] = numeric ? 1 : 0;
  }

  fieldKey(i: number): string {
    return this.decoded(this.keyBounds[i * 2]!, this.keyBounds[i * 2 + 1]!, this.keyEscapes[i] === 1);
  }

  fieldKeyIs(i: number, key: string): boolean {
    const start = this.keyBounds[i * 2]!;
    if (!this.ascii || this.keyEscapes[i] === 1) return this.fieldKey(i) === key;
    const length = key.length;
    if (this.keyBounds[i * 2 + 1]! - start !== length) return false;
    const b = this.bytes;
    // Backwards: field keys of a measurement share prefixes (usage_idle, usage_user), rarely suffixes.
    for (let j = length - 1; j >= 0; j--) if (b[start + j] !== key.charCodeAt(j)) return false;
    return true;
  }

  fieldKeyHash(i: number): number {
    const start = this.keyBounds[i * 2]!;
    const end = this.keyBounds[i * 2 + 1]!;
    const b = this.bytes;
    return keyHash(end - start, b[start]!, end - start > 1 ? b[start + 1]! : 0, b[(start + end) >> 1]!, b[end - 1]!);
  }

  fieldKeyId(i: number): number {
    return this.keyIds[i]!;
  }

  fieldValue(i: number): number {
    return this.values[i]!;
  }

  fieldIsNumeric(i: number): boolean {
    return this.numeric[i] === 1;
  }

  tagKey(i: number): string {
    const start = this.tagBounds[i * 4]!;
    const end = this.tagBounds[i * 4 + 1]!;
    if (!this.ascii || (this.tagEscapes[i]! & 1) !== 0) return this.decoded(start, end, (this.tagEscapes[i]! & 1) !== 0);
    return this.internedKey(start, end);
  }

  tagValue(i: number): string {
    const start = this.tagBounds[i * 4 + 2]!;
    const end = this.tagBounds[i * 4 + 3]!;
    const escaped = (this.tagEscapes[i]! & 2) !== 0;
    if (!this.ascii || escaped) return this.decoded(start, end, escaped);
    return this.internedValue(start, end);
  }

  /**
   * The plain ASCII value b[start, end) as a string met before when there is one, else a copy. Tag values repeat
   * (hosts, regions, devices): the tags objects of passing lines share a few strings instead of a new one per
   * line, which the ingest bench showed as garbage-collector time and RSS. Only passing lines build tags.
   */
  private internedValue(start: number, end: number): string {
    const b = this.bytes;
    const length = end - start;
    let h = length;
    for (let j = start; j < end; j++) h = (Math.imul(h, 31) + b[j]!) | 0;
    const slot = (h ^ (h >>> 13)) & (VALUE_CACHE_SIZE - 1);
    const known = this.valueCache[slot];
    if (known !== undefined && known.length === length) {
      let j = length - 1;
      while (j >= 0 && known.charCodeAt(j) === b[start + j]) j--;
      if (j < 0) return known;
    }
    const value = this.slice(start, end);
    this.valueCache[slot] = value;
    return value;
  }

  /**
   * The plain ASCII key b[start, end) as a string met before when there is one: a fleet has a handful of tag
   * keys, so the tags objects of passing lines reuse a few strings instead of cutting new ones every time.
   */
  private internedKey(start: number, end: number): string {
    const b = this.bytes;
    const length = end - start;
    const slot = (length * 31 + b[start]! * 7 + b[end - 1]!) & (KEY_CACHE_SIZE - 1);
    const known = this.keyCache[slot];
    if (known !== undefined && known.length === length) {
      let j = length - 1;
      while (j >= 0 && known.charCodeAt(j) === b[start + j]) j--;
      if (j < 0) return known;
    }
    const key = this.slice(start, end);
    this.keyCache[slot] = key;
    return key;
  }

  private decoded(start: number, end: number, escaped: boolean): string {
    const raw = this.slice(start, end);
    return escaped ? unescapeName(raw, true) : raw;
  }

  private growTags(): void {
    this.tagBounds = grown(this.tagBounds);
    this.tagEscapes = grown(this.tagEscapes);
  }

  private growFields(): void {
    this.keyBounds = grown(this.keyBounds);
    this.keyEscapes = grown(this.keyEscapes);
    this.keyIds = grown(this.keyIds);
    this.values = grown(this.values);
    this.numeric = grown(this.numeric);
  }
}

function grown<T extends Int32Array | Uint8Array | Float64Array>(array: T): T {
  const bigger = new (array.constructor as new (length: number) => T)(array.length * 2);
  bigger.set(array);
  return bigger;
}

/**
 * Removes line-protocol escapes: `\,` and `\ ` everywhere, `\=` in keys and tag values only (key = true).
 * Any other backslash is literal, as in InfluxDB's decoder (so `\\,` is a backslash followed by a comma).
 */
export function unescapeName(raw: string, key: boolean): string {
  let out = '';
  let from = 0;
  for (let i = raw.indexOf('\\'); i >= 0 && i < raw.length - 1; i = raw.indexOf('\\', i + 1)) {
    const next = raw[i + 1];
    if (next === ' ' || next === ',' || (key && next === '=')) {
      out += raw.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + raw.slice(from);
}
