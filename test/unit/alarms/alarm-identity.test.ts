import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alarmIdOf, fnv1a128, identityEncoding, type IdentityInput } from '../../../src/domain/alarms/alarm-identity.js';

// Strings rich in the characters a naive `k=v,k2=v2` join would confuse, plus unicode.
const nasty = fc.string({ unit: fc.constantFrom('a', 'b', '=', ',', ':', '{', '}', '1', '#', 'L', 'E', '数', '\u0000'), maxLength: 6 });
const labels: fc.Arbitrary<IdentityInput> = fc.record({
  engineAlarmId: fc.constant(null),
  ruleId: nasty,
  metric: nasty,
  tags: fc.dictionary(nasty, nasty, { maxKeys: 3 }),
});
const withId: fc.Arbitrary<IdentityInput> = fc.record({ engineAlarmId: nasty.filter((s) => s.trim() !== ''), ruleId: nasty, metric: nasty, tags: fc.constant({}) });
const input = fc.oneof(labels, withId);

/** Same alarm identity: the engine id when present, else rule + metric + tag set (order of tags irrelevant). */
function sameIdentity(a: IdentityInput, b: IdentityInput): boolean {
  if (a.engineAlarmId !== null || b.engineAlarmId !== null) return a.engineAlarmId === b.engineAlarmId;
  const ta = Object.entries(a.tags).sort(([x], [y]) => (x < y ? -1 : 1));
  const tb = Object.entries(b.tags).sort(([x], [y]) => (x < y ? -1 : 1));
  return a.ruleId === b.ruleId && a.metric === b.metric && JSON.stringify(ta) === JSON.stringify(tb);
}

describe('alarm identity', () => {
  describe('for any two inputs', () => {
    it('gives equal encodings exactly when the identities are equal', () => {
      fc.assert(
        fc.property(input, input, (a, b) => {
          expect(identityEncoding(a) === identityEncoding(b)).toBe(sameIdentity(a, b));
        }),
        { numRuns: 5000 },
      );
    });
  });

  describe('for labels that a delimiter join would merge', () => {
    it('keeps them apart', () => {
      const a = { engineAlarmId: null, ruleId: 'r', metric: 'm', tags: { a: 'b,c=d' } };
      const b = { engineAlarmId: null, ruleId: 'r', metric: 'm', tags: { a: 'b', c: 'd' } };
      expect(identityEncoding(a)).not.toBe(identityEncoding(b));
      expect(alarmIdOf(a)).not.toBe(alarmIdOf(b));
    });
    it('keeps an engine id apart from a label set spelling the same text', () => {
      const labelsOnly = { engineAlarmId: null, ruleId: 'x', metric: '', tags: {} };
      expect(alarmIdOf({ engineAlarmId: identityEncoding(labelsOnly), ruleId: '', metric: '', tags: {} })).not.toBe(alarmIdOf(labelsOnly));
    });
  });

  describe('for the same alarm seen twice', () => {
    it('gives the same id whatever the tag order', () => {
      const a = alarmIdOf({ engineAlarmId: null, ruleId: 'r', metric: 'm', tags: { host: 'h', dc: 'sh' } });
      const b = alarmIdOf({ engineAlarmId: null, ruleId: 'r', metric: 'm', tags: { dc: 'sh', host: 'h' } });
      expect(a).toBe(b);
      expect(a).toMatch(/^[0-9a-f]{32}$/);
    });
    it('ignores the labels when the engine gives an id', () => {
      expect(alarmIdOf({ engineAlarmId: 'a-1', ruleId: 'r', metric: 'm', tags: {} })).toBe(
        alarmIdOf({ engineAlarmId: 'a-1', ruleId: 'other', metric: 'n', tags: { x: 'y' } }),
      );
    });
    it('treats a blank engine id as none', () => {
      const blank = { engineAlarmId: '  ', ruleId: 'r', metric: 'm', tags: {} };
      expect(alarmIdOf(blank)).toBe(alarmIdOf({ ...blank, engineAlarmId: null }));
    });
  });

  describe('fnv1a128', () => {
    it('matches the published FNV-1a 128 vectors', () => {
      expect(fnv1a128('')).toBe('6c62272e07bb014262b821756295c58d');
      expect(fnv1a128('a')).toBe('d228cb696f1a8caf78912b704e4a8964');
    });
  });
});
