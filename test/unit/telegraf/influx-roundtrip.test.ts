import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode } from './decode-helper.js';
import type { Decoded } from './decode-helper.js';

/*
 * Property: any metric encoded to line protocol by the rules of InfluxDB's own encoder decodes back to itself.
 * The alphabet is chosen to hurt: every character that needs escaping somewhere, backslashes, quotes, '#',
 * '=' and non-ASCII text.
 */
const nasty = fc.constantFrom('a', 'Z', '0', '_', '-', '.', ' ', ',', '=', '\\', '"', '#', "'", 'é', '温', '🙂', ':', '/');
const text = (minLength = 1) => fc.array(nasty, { minLength, maxLength: 12 }).map((cs) => cs.join(''));
// Line protocol cannot represent a name ending in a backslash (it would escape the separator that follows).
const name = text().filter((s) => !s.endsWith('\\'));
const measurement = name.filter((s) => !s.startsWith('#'));

type FieldValue =
  | { kind: 'float'; value: number }
  | { kind: 'int'; value: number }
  | { kind: 'uint'; value: number }
  | { kind: 'bool'; value: boolean; spelling: string }
  | { kind: 'string'; value: string };

const fieldValue: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => ({ kind: 'float' as const, value })),
  fc.maxSafeInteger().map((value) => ({ kind: 'int' as const, value })),
  fc.maxSafeNat().map((value) => ({ kind: 'uint' as const, value })),
  fc.boolean().chain((value) =>
    fc.constantFrom(...(value ? ['t', 'T', 'true', 'True', 'TRUE'] : ['f', 'F', 'false', 'False', 'FALSE'])).map((spelling) => ({ kind: 'bool' as const, value, spelling })),
  ),
  fc.string({ unit: fc.constantFrom('a', ' ', ',', '=', '"', '\\', '\n', 'é', '🙂') }).map((value) => ({ kind: 'string' as const, value })),
);

interface Metric {
  measurement: string;
  tags: Record<string, string>;
  fields: Record<string, FieldValue>;
  timeNs: bigint | undefined;
}

const metric: fc.Arbitrary<Metric> = fc.record({
  measurement,
  tags: fc.dictionary(name, name, { maxKeys: 4 }),
  fields: fc.dictionary(name, fieldValue, { minKeys: 1, maxKeys: 5 }),
  timeNs: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { nil: undefined }),
});

const escape = (s: string, chars: RegExp): string => s.replace(chars, '\\$&');
function encodeValue(v: FieldValue): string {
  switch (v.kind) {
    case 'float':
      return String(v.value);
    case 'int':
      return `${v.value}i`;
    case 'uint':
      return `${v.value}u`;
    case 'bool':
      return v.spelling;
    case 'string':
      return `"${v.value.replace(/[\\"]/g, '\\$&')}"`;
  }
}
function encode(m: Metric): string {
  const tags = Object.entries(m.tags).map(([k, v]) => `,${escape(k, /[ ,=]/g)}=${escape(v, /[ ,=]/g)}`);
  const fields = Object.entries(m.fields).map(([k, v]) => `${escape(k, /[ ,=]/g)}=${encodeValue(v)}`);
  return `${escape(m.measurement, /[ ,]/g)}${tags.join('')} ${fields.join(',')}${m.timeNs === undefined ? '' : ` ${m.timeNs}`}`;
}

const floorMs = (ns: bigint): number => {
  const q = ns / 1_000_000n;
  return Number(ns < 0n && q * 1_000_000n !== ns ? q - 1n : q);
};
function expected(m: Metric): Decoded {
  const fields: Decoded['fields'] = {};
  for (const [k, v] of Object.entries(m.fields)) {
    fields[k] = v.kind === 'string' ? 'string' : v.kind === 'bool' ? (v.value ? 1 : 0) : v.value === 0 ? 0 : v.value;
  }
  return { m: m.measurement, tags: { ...m.tags }, fields, ts: m.timeNs === undefined ? 1_000_000 : floorMs(m.timeNs) };
}

describe('line protocol encoded by the rules of InfluxDB', () => {
  it('decodes back to the metrics it was encoded from', () => {
    fc.assert(
      fc.property(fc.array(metric, { minLength: 1, maxLength: 6 }), fc.constantFrom('\n', '\r\n'), (metrics, newline) => {
        const { points, bad } = decode(metrics.map(encode).join(newline));
        expect(bad).toEqual([]);
        expect(points).toEqual(metrics.map(expected));
      }),
      { numRuns: 400 },
    );
  });

  it('keeps every good line when garbage lines are interleaved', () => {
    const garbage = fc.constantFrom('garbage', 'm,t f=1', 'm f=', 'm f="open', 'm f=1 x', ',x f=1');
    fc.assert(
      fc.property(fc.array(fc.oneof(metric.map((m) => ({ good: m })), garbage.map((g) => ({ bad: g }))), { maxLength: 10 }), (items) => {
        // An unterminated string swallows following lines up to the next quote (strings may span lines), so the
        // one garbage line that opens a string goes last, where recovery resumes after it.
        const opensString = (i: (typeof items)[number]): boolean => 'bad' in i && i.bad === 'm f="open';
        const lines = [...items.filter((i) => !opensString(i)), ...items.filter(opensString).slice(0, 1)];
        const { points, bad } = decode(lines.map((i) => ('good' in i ? encode(i.good) : i.bad)).join('\n'));
        expect(points).toEqual(lines.flatMap((i) => ('good' in i ? [expected(i.good)] : [])));
        expect(bad.map(([, raw]) => raw)).toEqual(lines.flatMap((i) => ('bad' in i ? [i.bad] : [])));
      }),
      { numRuns: 200 },
    );
  });
});
