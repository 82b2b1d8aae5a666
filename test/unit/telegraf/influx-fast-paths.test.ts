import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode } from './decode-helper.js';

/*
 * The decoder takes shortcuts for the common case (plain keys scanned by a small inlined loop, nanosecond
 * timestamps parsed in one pass); these lines sit on the edges of those shortcuts, where a wrong shortcut
 * would decode differently from the general grammar.
 */
describe('nanosecond timestamps at the edges of the one-pass parse', () => {
  it.each<[string, number]>([
    ['1000000', 1], ['999999', 0], ['1234567', 1], ['8999999999999999999', 8_999_999_999_999], ['9000000000000000000', 9_000_000_000_000],
    ['999999999999999999', 999_999_999_999], ['0001700000000000', 1_700_000], ['-1700000000000000001', -1_700_000_000_001],
    ['-1700000000000000000', -1_700_000_000_000], ['1700000000999999999', 1_700_000_000_999],
  ])('reads %s as %d ms', (text, ms) => {
    expect(decode(`m f=1 ${text}`).points[0]?.ts).toBe(ms);
  });

  it.each(['17000000x0000000000', '17000000000000x0000', '170000000000000000.', '10000000000000000000', '9223372036854775808'])(
    'rejects %j as bad_timestamp',
    (text) => {
      expect(decode(`m f=1 ${text}`).bad).toEqual([['bad_timestamp', `m f=1 ${text}`]]);
    },
  );
});

describe('nanosecond timestamps of any length', () => {
  it('read as the exact floor of the value in milliseconds, or as bad_timestamp past int64', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,21}$/), fc.constantFrom('', '\n', ' ', '  \n'), (digits, after) => {
        const outcome = decode(`m f=1 ${digits}${after}`);
        if (BigInt(digits) > 2n ** 63n - 1n) expect(outcome.bad.map(([reason]) => reason)).toEqual(['bad_timestamp']);
        else expect(outcome.points.map((p) => p.ts)).toEqual([Number(BigInt(digits) / 1_000_000n)]);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('numeric field values of any shape', () => {
  const digits = (max: number) => fc.stringMatching(new RegExp(`^[0-9]{0,${max}}$`));
  it('read as the number they spell, or as bad_field_value, whichever path reads them', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('', '-'),
        digits(20),
        fc.constantFrom('', '.'),
        digits(20),
        fc.constantFrom('', 'i', 'u', 'e3', '.', 'x'),
        fc.constantFrom('', '\n', ',g=1', ' 2000000'),
        (sign, whole, dot, fraction, suffix, after) => {
          const text = `${sign}${whole}${dot}${dot === '' ? '' : fraction}${suffix}`;
          let expected: number | null = null; // null: bad_field_value
          if (/^-?(\d+(\.\d*)?|\.\d+)(e\d+)?$/.test(text)) expected = Number(text);
          else if (/^(-?\d{1,15}i|\d{1,15}u)$/.test(text)) expected = Number(text.slice(0, -1));
          else if (/^-?\d{16,}[iu]$/.test(text)) return; // long integers: their range is the conformance table's
          const outcome = decode(`m f=${text}${after}`);
          if (expected === null) expect(outcome.bad.map(([reason]) => reason)).toEqual(['bad_field_value']);
          else expect(outcome.points[0]?.fields.f).toBe(expected === 0 ? 0 : expected);
        },
      ),
      { numRuns: 3_000 },
    );
  });
});

describe('tag sections of any length and shape', () => {
  const token = fc.stringMatching(/^[a-z0-9._-]{0,9}$/);
  it('decode to their tags, or as bad_tag when a key or value is empty or a key repeats, at the end of a payload too', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(token, token), { maxLength: 9 }),
        fc.constantFrom('', '\n', ' '),
        fc.constantFrom(' f=1', ' f=1 2000000', ''),
        (tags, trailer, fields) => {
          const line = `m${tags.map(([k, v]) => `,${k}=${v}`).join('')}${fields}`;
          const outcome = decode(`${line}${fields === '' ? trailer : '\n'}`);
          const keys = tags.map(([k]) => k);
          const badTag = tags.some(([k, v]) => k === '' || v === '') || new Set(keys).size !== keys.length;
          if (badTag) expect(outcome.bad.map(([reason]) => reason)).toEqual(['bad_tag']);
          else if (fields === '') expect(outcome.bad.map(([reason]) => reason)).toEqual(['missing_fields']);
          else expect(outcome.points.map((p) => p.tags)).toEqual([Object.fromEntries(tags)]);
        },
      ),
      { numRuns: 3_000 },
    );
  });
});

describe('keys whose escapes come after a plain prefix', () => {
  it('unescapes tag keys, tag values and field keys', () => {
    expect(decode('m,ab\\ c=v\\,w,d=x\\=y fk\\=x=1,g\\ h=2i').points).toEqual([
      { m: 'm', tags: { 'ab c': 'v,w', d: 'x=y' }, fields: { 'fk=x': 1, 'g h': 2 }, ts: 1_000_000 },
    ]);
  });

  it('keeps a backslash before an ordinary byte, after a plain prefix, literal', () => {
    expect(decode('m,ab\\c=v\\w fk\\x=1').points[0]).toMatchObject({ tags: { 'ab\\c': 'v\\w' }, fields: { 'fk\\x': 1 } });
  });

  it.each<[string, string]>([
    ['m,ab\\\tc=v f=1', 'bad_escape'],
    ['m,a=vv\\\tw f=1', 'bad_escape'],
    ['m,a=v fk\\\t=1', 'bad_escape'],
    ['m,ab\\ c f=1', 'bad_tag'],
    ['m,a=v fk\\,', 'bad_field_key'],
  ])('reports %j as %s', (line, reason) => {
    expect(decode(line).bad).toEqual([[reason, line]]);
  });
});

describe('tag values met again and again, and more of them than the value cache holds', () => {
  it('gives every line its own values, whatever the cache held before', () => {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) lines.push(`m,host=web-${i % 5_000}.prod.example.com,dc=d${i % 7},v=${i} f=1 ${i}000000`);
    const { points, bad } = decode(`${lines.join('\n')}\n`);
    expect(bad).toEqual([]);
    expect(points.map((p) => p.tags)).toEqual(lines.map((_, i) => ({ host: `web-${i % 5_000}.prod.example.com`, dc: `d${i % 7}`, v: String(i) })));
  });
});
