import { isUtf8 } from 'node:buffer';
import type { FieldKeyTrie } from '../../application/ingest/field-key-trie.js';
import type { BadLineReason, DecodeHandler, DecodeLimits, TimePrecision } from '../../application/ingest/payload-decoder.js';
import { DEFAULT_DECODE_LIMITS, NO_KEY_ID, NOT_IN_TRIE } from '../../application/ingest/payload-decoder.js';
import { InfluxLine, unescapeName } from './influx-line.js';
import {
  BACKSLASH, closingQuote, COMMA, CR, EQUALS, fieldValue, HASH, isControl, isLineEnd, LF, NAME_BACKSLASH, NAME_CLASS,
  NAME_EQUALS, QUOTE, rawLine, SPACE, VALUE_ENDS,
} from './influx-scan.js';
import { parseTimestamp, plainNanoseconds, plainNumber } from './influx-values.js';

/**
 * InfluxDB line protocol, exactly as influxdata/line-protocol's grammar (line-protocol.ebnf) defines it, decoded
 * line by line: a malformed line is reported with a reason and its raw text, and decoding resumes at the next
 * line, so a bad line never costs its neighbours.
 *
 * HOT PATH, written for speed and guarded by `bench/decode.ts`: the payload bytes are scanned once through
 * class tables (typed-array reads are several times cheaper than charCodeAt); strings are cut only for the
 * measurement, and for keys and tags when someone asks (see InfluxLine); a field key the handler's FieldKeyTrie
 * holds is recognised by walking the trie while it is scanned; numbers are parsed in place; the one
 * DecodedLine is reused. Errors are return codes, never exceptions: scanners return a position >= 0, or
 * -(position + 1) with `reason` set.
 */
export class InfluxLineDecoder {
  private readonly line = new InfluxLine();
  private reason: BadLineReason = 'bad_character';
  /** Whether the name scanned last contained an escape sequence. */
  private escaped = false;
  private readonly parsed = { value: 0 };
  /** Where plainTags saw the commas and `=` of a tag section (a longer section takes the general loop). */
  private readonly marks = new Int32Array(256);
  /** The first byte of the line's last tag key, 256 once keys came out of order (see repeatsTagKey). */
  private lastTagFirst = -1;
  /** The previous line's measurement and where it was: Telegraf writes a plugin's lines one after another. */
  private previousStart = 0;
  private previousLength = -1;
  private previousMeasurement = '';
  /** The handler's field keys during one decode (it may add keys between lines), else null. */
  private keys: FieldKeyTrie | null = null;
  /** The handler's measurement names during one decode, else null. */
  private names: FieldKeyTrie | null = null;
  /** The handler's skippable measurements during one decode (DecodeHandler.skippable), else null. */
  private skip: Uint8Array | null = null;
  /** The measurement id of the line `point` passed over last, -1 when it decoded the line. */
  private skippedId = -1;
  /** DecodeLimits of the current decode, as plain numbers (read once per line or per unknown key). */
  private maxFields = DEFAULT_DECODE_LIMITS.maxFieldsPerLine;
  private maxTags = DEFAULT_DECODE_LIMITS.maxTagsPerLine;
  private maxName = DEFAULT_DECODE_LIMITS.maxNameLength;

  /**
   * @param ascii whether the payload is pure ASCII (names are then cut as latin1, else decoded as UTF-8); @param validUtf8 false makes every line holding a broken UTF-8 sequence `bad_utf8`.
   * @param limits a line over one of them is bad (`too_many_fields`, `too_many_tags`, `name_too_long`). Names
   * the tries recognise were learnt from lines within the limits, so only unknown names are measured.
   */
  decode(
    b: Buffer,
    ascii: boolean,
    nowMs: number,
    precision: TimePrecision,
    handler: DecodeHandler,
    validUtf8 = true,
    limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  ): void {
    const n = b.length;
    this.maxFields = limits.maxFieldsPerLine;
    this.maxTags = limits.maxTagsPerLine;
    this.maxName = limits.maxNameLength;
    // As InfluxDB does, a point without a timestamp gets the default time truncated to the precision.
    const defaultMs = precision === 's' ? nowMs - (((nowMs % 1000) + 1000) % 1000) : nowMs;
    const line = this.line;
    line.bind(b, ascii);
    this.previousLength = -1;
    this.keys = handler.fieldKeys ?? null;
    this.names = handler.measurementNames ?? null;
    // Passing over a line without reading it would also pass over a broken UTF-8 sequence in it.
    this.skip = validUtf8 && handler.skipped !== undefined ? (handler.skippable ?? null) : null;
    let p = 0;
    while (p < n) {
      const start = p;
      while (p < n && b[p] === SPACE) p++;
      if (p >= n) break;
      const c = b[p];
      if (c === LF || (c === CR && (p + 1 === n || b[p + 1] === LF))) {
        p += c === LF ? 1 : 2;
        continue;
      }
      const next = c === HASH ? this.comment(b, p, n) : this.point(b, p, n, defaultMs, precision);
      if (next < 0) {
        const newline = b.indexOf(LF, -next - 1);
        const end = newline < 0 ? n : newline;
        handler.badLine(this.reason, rawLine(line, b, start, end));
        p = end + 1;
        continue;
      }
      if (this.skippedId >= 0) {
        handler.skipped!(this.skippedId);
        this.skippedId = -1;
        p = next;
        continue;
      }
      if (c !== HASH) {
        const over = this.overLimit(line);
        if (over !== null) handler.badLine(over, rawLine(line, b, start, next));
        else if (validUtf8 || isUtf8(b.subarray(start, next))) handler.line(line);
        else handler.badLine('bad_utf8', rawLine(line, b, start, next));
      }
      p = next;
    }
    line.release();
    this.keys = null;
    this.names = null;
    this.skip = null;
  }

  private point(b: Uint8Array, p: number, n: number, nowMs: number, precision: TimePrecision): number {
    const line = this.line;
    let q = p;
    const names = this.names;
    let nameId = NO_KEY_ID;
    if (names !== null) {
      // As for field keys below: the walk consumes only ordinary name bytes, so a miss scans on from where it stopped.
      const columns = names.columns;
      const next = names.next;
      let row = 0;
      for (;;) {
        // Past the end b[q] is undefined, columns[undefined] too, and the test stops the walk.
        const column = columns[b[q]!]!;
        if (!(column > 0)) break;
        const t = next[row + column]!;
        if (t === 0) break;
        row = t;
        q++;
      }
      const c = q < n ? b[q]! : LF;
      nameId = c === COMMA || c === SPACE ? next[row]! - 1 : NOT_IN_TRIE;
    }
    if (nameId >= 0 && this.skip !== null && this.skip[nameId] === 1) {
      const end = skipLine(b, q, n);
      if (end >= 0) {
        this.skippedId = nameId;
        return end;
      }
    }
    if (nameId >= 0 && names !== null) {
      line.startLine(names.key(nameId)!, nameId);
    } else {
      q = this.name(b, q, n, false);
      if (q < 0) return q;
      if (q === p) return this.fail(q < n && isControl(b[q]!) ? 'bad_character' : 'missing_measurement', q);
      line.startLine(this.measurementAt(b, p, q), nameId);
    }
    p = q;
    let c = p < n ? b[p]! : LF;
    if (c === COMMA) {
      const end = this.plainTags(b, p);
      if (end >= 0) {
        p = end;
        c = SPACE;
      } else {
        line.clearTags();
      }
    }
    this.lastTagFirst = -1;
    while (c === COMMA) {
      const keyStart = p + 1;
      q = plainKeyEnd(b, keyStart);
      let keyEscaped = false;
      if (q < n && b[q] === BACKSLASH) {
        q = this.name(b, q, n, true);
        if (q < 0) return q;
        keyEscaped = this.escaped;
      }
      if (q === keyStart || b[q] !== EQUALS) return this.fail(this.boundaryReason(b, q, n, 'bad_tag'), q);
      if (this.repeatsTagKey(b, keyStart, q)) return this.fail('bad_tag', keyStart);
      const valueStart = q + 1;
      q = plainKeyEnd(b, valueStart);
      let valueEscaped = false;
      if (q < n && b[q] === BACKSLASH) {
        q = this.name(b, q, n, true);
        if (q < 0) return q;
        valueEscaped = this.escaped;
      }
      if (q === valueStart) return this.fail(this.boundaryReason(b, q, n, 'bad_tag'), q);
      line.addTag(keyStart, valueStart - 1, valueStart, q, (keyEscaped ? 1 : 0) | (valueEscaped ? 2 : 0));
      p = q;
      c = p < n ? b[p]! : LF;
    }
    if (c !== SPACE) return this.fail(c === EQUALS ? 'bad_tag' : this.boundaryReason(b, p, n, 'missing_fields'), p);
    while (p < n && b[p] === SPACE) p++;
    if (isLineEnd(b, p, n)) return this.fail('missing_fields', p);
    const keys = this.keys;
    for (;;) {
      q = p;
      let keyId = NO_KEY_ID;
      if (keys !== null) {
        // Every byte the walk consumes is an ordinary name byte: when it stops short of a known key, the plain
        // scan below simply carries on from where it stopped.
        const columns = keys.columns;
        const next = keys.next;
        let row = 0;
        for (;;) {
          // Past the end b[q] is undefined, columns[undefined] too, and the test stops the walk.
          const column = columns[b[q]!]!;
          if (!(column > 0)) break;
          const t = next[row + column]!;
          if (t === 0) break;
          row = t;
          q++;
        }
        keyId = q < n && b[q] === EQUALS ? next[row]! - 1 : NOT_IN_TRIE;
      }
      let keyEscaped = false;
      if (keyId < 0) {
        // Not recognised (a known key ends at `=`, so nothing else is left to check): scan and check it.
        q = plainKeyEnd(b, q);
        if (q < n && b[q] === BACKSLASH) {
          q = this.name(b, q, n, true);
          if (q < 0) return q;
          keyEscaped = this.escaped;
        }
        if (q === p || b[q] !== EQUALS) return this.fail(this.boundaryReason(b, q, n, 'bad_field_key'), q);
      }
      const keyStart = p;
      const keyEnd = q;
      p = q + 1;
      if (p < n && b[p] === QUOTE) {
        q = closingQuote(b, p + 1, n);
        if (q < 0) return this.fail('unterminated_string', p);
        line.addField(keyStart, keyEnd, keyEscaped, keyId, NaN, false);
        p = q + 1;
      } else {
        const valueStart = p;
        p = plainNumber(b, p, n, this.parsed);
        let value = this.parsed.value;
        if (p < 0) {
          // Not a plain decimal: booleans, exponents, long mantissas and malformed values take the full grammar.
          p = valueStart;
          while (p < n && VALUE_ENDS[b[p]!] === 0) p++;
          value = fieldValue(b, valueStart, p);
        }
        if (value !== value) return this.fail('bad_field_value', valueStart);
        line.addField(keyStart, keyEnd, keyEscaped, keyId, value, true);
      }
      if (p >= n || b[p] !== COMMA) break;
      p++;
    }

    let ts = nowMs;
    if (p < n && b[p] === SPACE) {
      while (p < n && b[p] === SPACE) p++;
      if (!isLineEnd(b, p, n)) {
        const tsStart = p;
        p = precision === 'ns' ? plainNanoseconds(b, p, this.parsed) : -1;
        if (p >= 0) ts = this.parsed.value;
        else {
          p = tsStart;
          while (VALUE_ENDS[b[p]!] === 0) p++; // past the end b[p] is undefined, which stops it too
          ts = parseTimestamp(b, tsStart, p, precision);
        }
        if (ts !== ts) return this.fail('bad_timestamp', tsStart);
        while (p < n && b[p] === SPACE) p++;
        if (!isLineEnd(b, p, n)) return this.fail(this.boundaryReason(b, p, n, 'bad_timestamp'), p);
      }
    } else if (!isLineEnd(b, p, n)) {
      return this.fail(this.boundaryReason(b, p, n, 'bad_field_value'), p);
    }
    line.tsMs = ts;
    return p >= n ? n : b[p] === LF ? p + 1 : p + 2;
  }

  /**
   * The line bound a well-formed line breaks, or null: checked after the line is scanned, on counts the line
   * holds anyway (its longest field key is noted as fields are added), so the scanner itself stays as it was.
   */
  private overLimit(line: InfluxLine): BadLineReason | null {
    if (line.fieldCount > this.maxFields) return 'too_many_fields';
    if (line.tagCount > this.maxTags) return 'too_many_tags';
    const maxName = this.maxName;
    // A measurement the trie recognised was learnt from a line within bounds.
    if (line.longestKey > maxName || (line.measurementId < 0 && line.measurement.length > maxName)) return 'name_too_long';
    return null;
  }

  /**
   * The tag section from the comma at `p` in one pass when it is plain (no escapes, no control bytes, every tag
   * `,key=value` with both sides non-empty, no key repeated): the position of the space after it, with the
   * tags added to the line; else -1, and the caller's tag loop finds what is wrong. The pass only notes where
   * the commas and `=` are, without a branch per separator (a scan loop ends, and mispredicts, once per section
   * instead of twice per tag); the separators are checked afterwards.
   */
  private plainTags(b: Uint8Array, p: number): number {
    const marks = this.marks;
    let count = 0;
    let q = p;
    // Two bytes a step; past the end b[q] is undefined, and so is its class, which ends the loop too.
    for (;;) {
      const k0 = TAG_CLASS[b[q]!]!;
      const k1 = TAG_CLASS[b[q + 1]!]!;
      if (!(k0 + k1 <= 2)) break; // a byte that ends the pass (class 4) in either
      marks[count] = q;
      count += k0;
      marks[count] = q + 1;
      count += k1;
      q += 2;
    }
    const k = TAG_CLASS[b[q]!]!;
    if (k <= 1) {
      marks[count] = q;
      count += k;
      q++;
    }
    if (b[q] !== SPACE || (count & 1) !== 0 || count > marks.length) return -1;
    const line = this.line;
    this.lastTagFirst = -1;
    for (let j = 0; j < count; j += 2) {
      const comma = marks[j]!;
      const equals = marks[j + 1]!;
      const valueEnd = j + 2 < count ? marks[j + 2]! : q;
      if (b[comma] !== COMMA || b[equals] !== EQUALS || equals - comma < 2 || valueEnd - equals < 2) return -1;
      if (this.repeatsTagKey(b, comma + 1, equals)) return -1;
      line.addTag(comma + 1, equals, equals + 1, valueEnd, 0);
    }
    return q;
  }

  /**
   * Whether the tag key b[start, end) repeats one already on the line, which InfluxDB rejects (raw comparison
   * suffices, unescaping being one-to-one). Telegraf sorts tags: while first bytes rise strictly, the new key
   * differs from every earlier one; once out of order, every later key is compared in full. Callers set
   * `lastTagFirst` to -1 before a line's first tag.
   */
  private repeatsTagKey(b: Uint8Array, start: number, end: number): boolean {
    const first = b[start]!;
    if (first > this.lastTagFirst) {
      this.lastTagFirst = first;
      return false;
    }
    this.lastTagFirst = 256;
    return this.line.hasTagKey(start, end);
  }

  /**
   * Scans a measurement (key = false) or a tag key, tag value or field key (key = true) and returns where it
   * ends: at a space, a comma, `=` (keys only), a control character or the end of input. Escapes: `\ ` and
   * `\,` (and `\=` in keys); any other backslash is literal, but one before a control character or the end
   * of the line is `bad_escape`, as the grammar requires.
   */
  private name(b: Uint8Array, p: number, n: number, key: boolean): number {
    let escaped = false;
    for (; p < n; p++) {
      const k = NAME_CLASS[b[p]!];
      if (k === 0) continue;
      if (k === NAME_BACKSLASH) {
        const next = p + 1 < n ? b[p + 1]! : LF;
        if (next === SPACE || next === COMMA || (key && next === EQUALS)) {
          escaped = true;
          p++;
        } else if (isControl(next)) {
          return this.fail('bad_escape', p);
        }
        continue;
      }
      if (k === NAME_EQUALS && !key) continue;
      break;
    }
    this.escaped = escaped;
    return p;
  }

  /** The measurement of b[start, end), reusing the previous line's string when the bytes are the same. */
  private measurementAt(b: Uint8Array, start: number, end: number): string {
    const length = end - start;
    if (length === this.previousLength) {
      const previous = this.previousStart;
      let i = length - 1;
      while (i >= 0 && b[start + i] === b[previous + i]) i--;
      if (i < 0) return this.previousMeasurement;
    }
    const raw = this.line.slice(start, end);
    const measurement = this.escaped ? unescapeName(raw, false) : raw;
    this.previousStart = start;
    this.previousLength = length;
    this.previousMeasurement = measurement;
    return measurement;
  }

  /** A comment runs to the end of the line and may hold tabs but no other control character. */
  private comment(b: Uint8Array, p: number, n: number): number {
    for (; p < n; p++) {
      const c = b[p]!;
      if (c === LF) return p + 1;
      if (c === CR && (p + 1 === n || b[p + 1] === LF)) return p + 2;
      if (isControl(c) && c !== 9) return this.fail('bad_character', p);
    }
    return n;
  }

  /** At a token boundary: the end of line means the expected part is missing; a control character is itself bad. */
  private boundaryReason(b: Uint8Array, p: number, n: number, otherwise: BadLineReason): BadLineReason {
    return !isLineEnd(b, p, n) && isControl(b[p]!) ? 'bad_character' : otherwise;
  }

  private fail(reason: BadLineReason, position: number): number {
    this.reason = reason;
    return -position - 1;
  }
}

/** Tag-section bytes for plainTags: 0 ordinary, 1 comma or `=` (noted), 4 anything that ends the fast pass. */
const TAG_CLASS = new Uint8Array(256);
for (let c = 0; c < 256; c++) TAG_CLASS[c] = NAME_CLASS[c] === 0 ? 0 : 4;
TAG_CLASS[COMMA] = 1;
TAG_CLASS[EQUALS] = 1;

/**
 * Where a key, tag value or field key stops being plain bytes: at its end, or at a backslash that `name` then
 * takes over. Small enough for V8 to inline at each call site, which the general `name` scanner is not.
 */
function plainKeyEnd(b: Uint8Array, p: number): number {
  // No `p < n`: past the end b[p] is undefined and NAME_CLASS[undefined] !== 0 stops the loop as well.
  while (NAME_CLASS[b[p]!] === 0) p++;
  return p;
}

/** 1 for the bytes that end a passed-over line: LF, and `"`, which may open a string spanning lines. */
const SKIP_STOPS = new Uint8Array(256);
SKIP_STOPS[LF] = 1;
SKIP_STOPS[QUOTE] = 1;

/**
 * Where the line holding position `p` ends (past its LF, or `n`), passed over unread; -1 when it holds a `"`
 * before its end: a string field may hold line ends, so only the full scan knows where such a line ends.
 */
function skipLine(b: Uint8Array, p: number, n: number): number {
  // Bounded: a read past the end would take V8's slow path on every line that ends its payload without an LF.
  while (p < n && SKIP_STOPS[b[p]!] === 0) p++;
  if (p >= n) return n;
  return b[p] === LF ? p + 1 : -1;
}
