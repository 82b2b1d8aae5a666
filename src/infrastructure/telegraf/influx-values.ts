import type { TimePrecision } from '../../application/ingest/payload-decoder.js';

/*
 * Value and timestamp grammar of InfluxDB line protocol (influxdata/line-protocol line-protocol.ebnf), parsed
 * straight from the payload bytes without slicing them: every function reads b[a, b) and returns NaN when the
 * token is not valid, NaN never being a valid line-protocol number.
 */
const ZERO = 48;
const NINE = 57;
const MINUS = 45;
const PLUS = 43;
const DOT = 46;

// 10^0..10^22 are exact doubles: one multiplication or division by them is correctly rounded (Clinger's fast path).
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
/** Mantissas up to 15 significant digits are exact in a double. */
const FAST_DIGITS = 15;

const LOWER_I = 105;
const LOWER_U = 117;
/** Bytes that end an unquoted value: comma, space, CR, LF. */
const isValueEnd = (c: number): boolean => c === 44 || c === 32 || c === 13 || c === 10;

const isDigit = (c: number): boolean => c >= ZERO && c <= NINE;
const ascii = (bytes: Uint8Array, a: number, b: number): string => String.fromCharCode(...bytes.subarray(a, b));

/**
 * The common field values in one pass: `[-]digits[.digits]` (float), `[-]digits i`, `digits u`, with at most 15
 * digits (leading zeros too), so that the value is exact (and an integer certainly in range). Returns the end of the
 * token with the value in `out.value`, or -1 to let the full grammar (fieldValue) decide.
 */
export function plainNumber(bytes: Uint8Array, p: number, n: number, out: { value: number }): number {
  const negative = p < n && bytes[p] === MINUS;
  if (negative) p++;
  const first = p;
  let mantissa = 0;
  let dot = -1;
  // Two digits a step where both are digits; the decimal point is the rare case. `n` is bytes.length: past the
  // end bytes[p] is undefined, which stops the loop too.
  for (;;) {
    const d = bytes[p]! - ZERO;
    const e = bytes[p + 1]! - ZERO;
    if (d >= 0 && d <= 9) {
      if (e >= 0 && e <= 9) {
        mantissa = mantissa * 100 + (d * 10 + e);
        p += 2;
      } else {
        mantissa = mantissa * 10 + d;
        p++;
      }
      continue;
    }
    if (d !== DOT - ZERO || dot >= 0) break;
    dot = p;
    p++;
  }
  const scale = dot < 0 ? 0 : p - dot - 1;
  const digits = p - first - (dot < 0 ? 0 : 1);
  // Leading zeros count too: such a value takes the full grammar, which is only slower.
  if (digits === 0 || digits > FAST_DIGITS) return -1;
  const c = p < n ? bytes[p]! : 10;
  if (isValueEnd(c)) {
    const value = scale === 0 ? mantissa : mantissa / POW10[scale]!;
    out.value = negative && value !== 0 ? -value : value;
    return p;
  }
  const integer = (c === LOWER_I || (c === LOWER_U && !negative)) && dot < 0;
  if (!integer || (p + 1 < n && !isValueEnd(bytes[p + 1]!))) return -1;
  out.value = negative && mantissa !== 0 ? -mantissa : mantissa;
  return p + 1;
}

/** `[-] (digits [. [digits]] | . digits) [(e|E) [+|-] digits]`; rejects overflow to infinity. */
export function parseFloatToken(bytes: Uint8Array, a: number, b: number): number {
  let i = a;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  let mantissa = 0;
  let significant = 0;
  let digits = 0;
  let exp10 = 0;
  let exact = true;
  for (; i < b && isDigit(bytes[i]!); i++, digits++) {
    const d = bytes[i]! - ZERO;
    if (mantissa === 0 && d === 0) continue;
    if (significant++ < FAST_DIGITS) mantissa = mantissa * 10 + d;
    else exact = false;
  }
  if (i < b && bytes[i] === DOT) {
    for (i++; i < b && isDigit(bytes[i]!); i++, digits++) {
      const d = bytes[i]! - ZERO;
      exp10--;
      if (mantissa === 0 && d === 0) continue;
      if (significant++ < FAST_DIGITS) mantissa = mantissa * 10 + d;
      else exact = false;
    }
  }
  if (digits === 0) return NaN;
  if (i < b && (bytes[i]! | 0x20) === 101 /* e or E */) {
    i++;
    const signChar = i < b ? bytes[i]! : 0;
    const sign = signChar === MINUS ? -1 : 1;
    if (signChar === MINUS || signChar === PLUS) i++;
    const e0 = i;
    let e = 0;
    for (; i < b && isDigit(bytes[i]!); i++) if (e < 100_000) e = e * 10 + (bytes[i]! - ZERO);
    if (i === e0) return NaN;
    exp10 += sign * e;
  }
  if (i !== b) return NaN;
  let value: number;
  if (mantissa === 0 && exact) value = 0;
  else if (exact && exp10 >= 0 && exp10 <= 22) value = mantissa * POW10[exp10]!;
  else if (exact && exp10 < 0 && exp10 >= -22) value = mantissa / POW10[-exp10]!;
  else value = Math.abs(Number(ascii(bytes, a, b))); // rare: long mantissa or big exponent; grammar already checked
  if (value === Infinity) return NaN;
  return negative && value !== 0 ? -value : value; // -0 reads as 0: the engine has no use for a signed zero
}

const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';

/** `[-] digits` within int64 (the `i` suffix already removed). */
export function parseIntToken(bytes: Uint8Array, a: number, b: number): number {
  const negative = bytes[a] === MINUS;
  const value = unsignedValue(bytes, negative ? a + 1 : a, b, negative ? INT64_MIN_ABS : INT64_MAX);
  return negative && value !== 0 ? -value : value; // -0 reads as 0: the engine has no use for a signed zero
}

/** `digits` within uint64 (the `u` suffix already removed). */
export function parseUintToken(bytes: Uint8Array, a: number, b: number): number {
  return unsignedValue(bytes, a, b, UINT64_MAX);
}

const TRUE_SPELLINGS = ['true', 'True', 'TRUE'];
const FALSE_SPELLINGS = ['false', 'False', 'FALSE'];

/** 1, 0, or NaN: t T true True TRUE f F false False FALSE, nothing else. */
export function parseBoolToken(bytes: Uint8Array, a: number, b: number): number {
  if (b - a === 1) {
    const c = bytes[a];
    return c === 116 || c === 84 ? 1 : c === 102 || c === 70 ? 0 : NaN;
  }
  if (b - a === 4) return TRUE_SPELLINGS.some((w) => spells(bytes, a, w)) ? 1 : NaN;
  if (b - a === 5) return FALSE_SPELLINGS.some((w) => spells(bytes, a, w)) ? 0 : NaN;
  return NaN;
}

function spells(bytes: Uint8Array, a: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (bytes[a + i] !== word.charCodeAt(i)) return false;
  return true;
}

/** Largest magnitude per precision such that the time in nanoseconds still fits an int64, as InfluxDB checks. */
const TIME_LIMIT: Record<TimePrecision, readonly [string, string]> = {
  ns: [INT64_MAX, INT64_MIN_ABS],
  us: ['9223372036854775', '9223372036854775'],
  ms: ['9223372036854', '9223372036854'],
  s: ['9223372036', '9223372036'],
};
/** Digits to drop to reach milliseconds (negative: multiply). */
const TO_MS_SHIFT: Record<TimePrecision, number> = { ns: 6, us: 3, ms: 0, s: -3 };

/**
 * Telegraf's own timestamps in one pass over their bytes: nanoseconds, positive, 7 to 19 digits without a
 * leading zero, below 9e18 (so within int64 without the digit-by-digit limit check). Only the first 13 digits
 * are accumulated (exact below 2^53, as two int32 halves); the milliseconds are the first `length - 6` digits, one correctly rounded
 * division of them away. Returns the end of the token with the time in `out.value`, or -1 to let
 * parseTimestamp decide (which also rejects what is malformed).
 */
export function plainNanoseconds(bytes: Uint8Array, p: number, out: { value: number }): number {
  const start = p;
  const lead = bytes[p]! - ZERO;
  if (!(lead >= 1 && lead <= 9)) return -1;
  // Two int32 accumulators (7 + 6 digits): integer multiply-adds, a much shorter dependency chain per digit
  // than one floating-point accumulator.
  let high = 0;
  const highEnd = p + 7;
  let d = lead;
  // Past the end bytes[p] is undefined and d NaN, which stops the loops.
  while (d >= 0 && d <= 9 && p < highEnd) {
    high = (high * 10 + d) | 0;
    d = bytes[++p]! - ZERO;
  }
  let low = 0;
  const lowEnd = p + 6;
  while (d >= 0 && d <= 9 && p < lowEnd) {
    low = (low * 10 + d) | 0;
    d = bytes[++p]! - ZERO;
  }
  const lowDigits = p - highEnd;
  while (d >= 0 && d <= 9) d = bytes[++p]! - ZERO;
  const length = p - start;
  if (length < 7 || length > 19 || (length === 19 && lead === 9)) return -1;
  if (p < bytes.length && !isValueEnd(bytes[p]!)) return -1;
  // The first min(length, 13) digits: exact, below 10^13.
  const ms = lowDigits > 0 ? high * POW10[lowDigits]! + low : high;
  out.value = length <= 13 ? Math.floor(ms / 1e6) : length === 19 ? ms : Math.floor(ms / POW10[19 - length]!);
  return p;
}

/** `[-] digits` in the given precision, to epoch ms rounded down (floor) so negative times stay ordered. */
export function parseTimestamp(bytes: Uint8Array, a: number, b: number, precision: TimePrecision): number {
  const negative = bytes[a] === MINUS;
  const start = negative ? a + 1 : a;
  const limits = TIME_LIMIT[precision];
  if (firstSignificant(bytes, start, b, negative ? limits[1] : limits[0]) < 0) return NaN;
  const shift = TO_MS_SHIFT[precision];
  // Split off the sub-millisecond digits instead of dividing: a 19-digit nanosecond count exceeds 2^53.
  const cut = Math.max(start, b - Math.max(shift, 0));
  let ms = 0;
  for (let i = start; i < cut; i++) ms = ms * 10 + (bytes[i]! - ZERO);
  if (shift < 0) ms *= 1000;
  let remainder = false;
  for (let i = cut; i < b; i++) if (bytes[i] !== ZERO) remainder = true;
  if (!negative) return ms;
  return remainder ? -ms - 1 : ms === 0 ? 0 : -ms;
}

/** Digits only, at least one, magnitude at most `limit` (a digit string); the value rounded to a double. */
function unsignedValue(bytes: Uint8Array, a: number, b: number, limit: string): number {
  const first = firstSignificant(bytes, a, b, limit);
  if (first < 0) return NaN;
  if (b - first > FAST_DIGITS) return Number(ascii(bytes, first, b));
  let value = 0;
  for (let i = first; i < b; i++) value = value * 10 + (bytes[i]! - ZERO);
  return value;
}

/** Checks digits-only, non-empty, magnitude <= limit; the index after leading zeros, or -1 when invalid. */
function firstSignificant(bytes: Uint8Array, a: number, b: number, limit: string): number {
  if (a >= b) return -1;
  let first = b;
  for (let i = a; i < b; i++) {
    const c = bytes[i]!;
    if (!isDigit(c)) return -1;
    if (first === b && c !== ZERO) first = i;
  }
  const length = b - first;
  if (length > limit.length) return -1;
  if (length === limit.length) {
    for (let i = 0; i < length; i++) {
      const d = bytes[first + i]! - limit.charCodeAt(i);
      if (d < 0) break;
      if (d > 0) return -1;
    }
  }
  return first;
}
