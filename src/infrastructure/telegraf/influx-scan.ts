import { MAX_RAW_LENGTH } from '../../application/ingest/payload-decoder.js';
import type { InfluxLine } from './influx-line.js';
import { parseBoolToken, parseFloatToken, parseIntToken, parseUintToken } from './influx-values.js';

/* Byte-level helpers of the line-protocol decoder. Class tables replace chains of comparisons per byte. */
export const LF = 10;
export const CR = 13;
export const SPACE = 32;
export const QUOTE = 34;
export const HASH = 35;
export const COMMA = 44;
export const EQUALS = 61;
export const BACKSLASH = 92;
const DEL = 127;

/** Name bytes: 0 ordinary, 1 ends a name (space, comma, control), 2 `=`, 3 backslash. */
export const NAME_CLASS = new Uint8Array(256);
export const NAME_ENDS = 1;
export const NAME_EQUALS = 2;
export const NAME_BACKSLASH = 3;
for (let c = 0; c < 32; c++) NAME_CLASS[c] = NAME_ENDS;
NAME_CLASS[DEL] = NAME_ENDS;
NAME_CLASS[SPACE] = NAME_ENDS;
NAME_CLASS[COMMA] = NAME_ENDS;
NAME_CLASS[EQUALS] = NAME_EQUALS;
NAME_CLASS[BACKSLASH] = NAME_BACKSLASH;

/** 1 for the bytes that end an unquoted field value (and a timestamp, which cannot hold a comma anyway). */
export const VALUE_ENDS = new Uint8Array(256);
VALUE_ENDS[COMMA] = 1;
VALUE_ENDS[SPACE] = 1;
VALUE_ENDS[LF] = 1;
VALUE_ENDS[CR] = 1;

export const isControl = (c: number): boolean => c < 32 || c === DEL;

/** Line end: LF, CR LF, a CR that ends the input, or the end of input. */
export function isLineEnd(b: Uint8Array, p: number, n: number): boolean {
  if (p >= n) return true;
  const c = b[p];
  return c === LF || (c === CR && (p + 1 === n || b[p + 1] === LF));
}

/** A string field may span lines; `\` escapes any next byte. The closing quote's index, or -1. */
export function closingQuote(b: Uint8Array, p: number, n: number): number {
  for (; p < n; p++) {
    const c = b[p];
    if (c === QUOTE) return p;
    if (c === BACKSLASH) p++;
  }
  return -1;
}

/** Booleans (t/f spellings), integers (`i`), unsigned (`u`) and floats; NaN when the token is none of them. */
export function fieldValue(b: Uint8Array, start: number, end: number): number {
  if (start === end) return NaN;
  const first = b[start];
  if (first === 116 || first === 84 || first === 102 || first === 70) return parseBoolToken(b, start, end);
  const last = b[end - 1];
  if (last === 105 /* i */) return parseIntToken(b, start, end - 1);
  if (last === 117 /* u */) return parseUintToken(b, start, end - 1);
  return parseFloatToken(b, start, end);
}

/** The line without its line ending, cut to MAX_RAW_LENGTH bytes. */
export function rawLine(line: InfluxLine, b: Uint8Array, start: number, end: number): string {
  let stop = Math.min(end, b.length);
  if (stop > start && b[stop - 1] === LF) stop--;
  if (stop > start && b[stop - 1] === CR) stop--;
  return line.slice(start, Math.min(stop, start + MAX_RAW_LENGTH));
}
