import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePattern } from '../../../src/domain/allowlist/glob.js';
import type { Pattern } from '../../../src/domain/allowlist/glob.js';

const compile = (source: string): Pattern => {
  const parsed = parsePattern(source);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.pattern;
};

describe('a glob pattern', () => {
  it.each<[string, string[], string[]]>([
    ['cpu', ['cpu'], ['cpu0', 'cp', 'CPU']],
    ['biz_*', ['biz_', 'biz_orders'], ['biz', 'xbiz_a']],
    ['*_total', ['_total', 'req_total'], ['req_total2']],
    ['*err*', ['err', 'my_errors'], ['er_r']],
    ['disk?', ['disk1', 'diskX'], ['disk', 'disk12']],
    ['a*b?c', ['abxc', 'a123b4c'], ['abc', 'a1b22c']],
    ['*', ['', 'anything'], []],
    ['**', ['', 'x'], []],
    ['a\\*b', ['a*b'], ['axb', 'ab']],
    ['\\!x', ['!x'], ['x']],
    ['a.b', ['a.b'], ['axb']],
    ['(x)+[y]', ['(x)+[y]'], ['xxy']],
    ['?', ['é', '🙂'], ['', 'ab']],
    ['a*', ['a\nb'], []],
  ])('%j matches what it should and nothing else', (source, yes, no) => {
    const pattern = compile(source);
    for (const s of yes) expect(pattern.test(s), s).toBe(true);
    for (const s of no) expect(pattern.test(s), s).toBe(false);
  });

  it('is a literal (hash-map material) exactly when it has no wildcard', () => {
    expect(compile('cpu').literal).toBe('cpu');
    expect(compile('a\\*b').literal).toBe('a*b');
    expect(compile('a*').literal).toBeNull();
  });

  it('rejects an empty pattern and a trailing lone backslash', () => {
    expect(parsePattern('').ok).toBe(false);
    expect(parsePattern('abc\\').ok).toBe(false);
  });

  it('matches any name that it was built from by escaping', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (name, other) => {
        const pattern = compile(name.replace(/[\\*?]/g, '\\$&'));
        expect(pattern.test(name)).toBe(true);
        expect(pattern.test(other)).toBe(other === name);
      }),
    );
  });

  it('with a star matches every name with the same prefix and suffix', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', '.', '*') }), fc.string(), fc.string({ unit: fc.constantFrom('a', 'b', '.') }), (prefix, middle, suffix) => {
        const escaped = (s: string) => s.replace(/[\\*?]/g, '\\$&');
        expect(compile(`${escaped(prefix)}*${escaped(suffix)}`).test(prefix + middle + suffix)).toBe(true);
      }),
    );
  });
});
