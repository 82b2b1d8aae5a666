import { describe, expect, it } from 'vitest';
import { loadAllowlist } from '../../../src/application/allowlist/load-allowlist.js';
import { compileAllowlist } from '../../../src/domain/allowlist/compile-allowlist.js';

const errorsOf = (text: string, limits?: Parameters<typeof loadAllowlist>[1]) => {
  const result = loadAllowlist(text, limits);
  return result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
};
const entries = (lines: string[]) => `version: 1\nentries:\n${lines.join('\n')}\n`;

describe('a hostile allowlist document', () => {
  describe('when it is larger than the byte limit', () => {
    it('is refused before it is parsed', () => {
      const big = entries(Array.from({ length: 2000 }, (_, i) => `  - measurement: m${i}`));
      expect(errorsOf(big, { maxEntries: 50_000, maxFieldsPerEntry: 1000, maxTagRulesPerEntry: 64, maxPatternLength: 256, maxBytes: 10_000 })).toEqual([
        '(document): is larger than 10000 bytes',
      ]);
    });
  });

  describe('when it uses YAML aliases', () => {
    it('is refused, whatever the alias points to', () => {
      expect(errorsOf(entries(['  - &e {measurement: cpu, fields: [idle]}', '  - *e']))).toEqual([
        '(yaml): aliases (*name) are not allowed: write every entry out',
      ]);
    });

    it('refuses a "billion laughs" field list at once, without walking its expansion', () => {
      const list = `[${Array.from({ length: 2000 }, (_, i) => `f${i}`).join(', ')}]`;
      const text = `version: 1\nentries:\n  - {measurement: m0, fields: &l ${list}}\n${Array.from({ length: 5000 }, (_, i) => `  - {measurement: m${i + 1}, fields: *l}`).join('\n')}\n`;
      const t0 = performance.now();
      expect(errorsOf(text)[0]).toMatch(/aliases/);
      expect(performance.now() - t0).toBeLessThan(2_000);
    });
  });

  describe('when it exceeds the entry, field, tag-rule or pattern bounds', () => {
    const limits = { maxEntries: 3, maxFieldsPerEntry: 2, maxTagRulesPerEntry: 1, maxPatternLength: 8 };

    it('names each bound it breaks', () => {
      expect(errorsOf(entries(Array.from({ length: 4 }, (_, i) => `  - measurement: m${i}`)), limits)).toEqual(['entries: holds 4 entries; at most 3 are allowed']);
      expect(errorsOf(entries(['  - {measurement: m, fields: [a, b, c]}']), limits)).toEqual(['entries[0].fields: holds 3 patterns; at most 2 are allowed']);
      expect(errorsOf(entries(['  - {measurement: m, tags: {a: x, b: y}}']), limits)).toEqual(['entries[0].tags: holds 2 tag rules; at most 1 are allowed']);
      expect(errorsOf(entries(['  - {measurement: m, tags: {a: [x, y, z]}}']), limits)).toEqual(['entries[0].tags.a: holds 3 patterns; at most 2 are allowed']);
      expect(errorsOf(entries(['  - {measurement: a_rather_long_name}']), limits)).toEqual([
        'entries[0].measurement: is 18 characters long; at most 8 are allowed',
      ]);
    });

    it('accepts a document within every default bound', () => {
      expect(loadAllowlist(entries(Array.from({ length: 100 }, (_, i) => `  - {measurement: m${i}, fields: [a, "b*"], tags: {host: "web-*"}}`))).ok).toBe(true);
    });
  });
});

describe('compiling an allowlist', () => {
  it('is linear in the entries, even when they all name the same measurement', () => {
    const spec = (n: number) => ({ version: 1 as const, entries: Array.from({ length: n }, (_, i) => ({ measurement: 'app', fields: [`f${i}`] })) });
    const t0 = performance.now();
    const compiled = compileAllowlist(spec(50_000));
    const elapsed = performance.now() - t0;
    expect(compiled.match('app', 'f49999', {})).toBe(true);
    expect(compiled.match('app', 'g', {})).toBe(false);
    // Quadratic spread-appends took seconds here (1.25e9 element copies); linear takes tens of ms.
    expect(elapsed).toBeLessThan(1_500);
  });

  it('matches a glob with many stars in time linear in the name (no RegExp backtracking)', () => {
    const compiled = compileAllowlist({ version: 1, entries: [{ measurement: `${'*a'.repeat(6)}*b` }] });
    const t0 = performance.now();
    expect(compiled.match('a'.repeat(64), 'f', {})).toBe(false);
    expect(compiled.match(`${'a'.repeat(64)}b`, 'f', {})).toBe(true);
    expect(performance.now() - t0).toBeLessThan(200);
  });
});
