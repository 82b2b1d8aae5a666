import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alarmIdOf, fnv1a128, identityEncoding, type IdentityInput, ruleIdMapOf, ruleOf } from '../../../src/domain/alarms/alarm-identity.js';

// Strings rich in the characters a naive `k=v,k2=v2` join would confuse, plus unicode (and the empty string).
const nasty = fc.string({ unit: fc.constantFrom('a', 'b', '=', ',', ':', '{', '}', '1', '#', 'L', 'R', '数', '\u0000'), maxLength: 6 });
const input: fc.Arbitrary<IdentityInput> = fc.record({
  rule: fc.record({ ours: fc.boolean(), id: nasty }),
  metric: nasty,
  tags: fc.dictionary(nasty, nasty, { maxKeys: 3 }),
});

/** Same alarm identity: same kind and id of rule, same metric, same tag set (order irrelevant, empty values absent). */
function sameIdentity(a: IdentityInput, b: IdentityInput): boolean {
  const set = (t: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(t).filter(([, v]) => v !== '').sort(([x], [y]) => (x < y ? -1 : 1)));
  return a.rule.ours === b.rule.ours && a.rule.id === b.rule.id && a.metric === b.metric && set(a.tags) === set(b.tags);
}

const ours = (id: string) => ({ ours: true, id });

/** FNV-1a 128 as the reference defines it, in BigInt: what the limb arithmetic of `fnv1a128` must equal. */
function fnv1a128Reference(text: string): string {
  let h = 0x6c62272e07bb014262b821756295c58dn;
  for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * 0x0000000001000000000000000000013bn) & ((1n << 128n) - 1n);
  return h.toString(16).padStart(32, '0');
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
      const a = { rule: ours('r'), metric: 'm', tags: { a: 'b,c=d' } };
      const b = { rule: ours('r'), metric: 'm', tags: { a: 'b', c: 'd' } };
      expect(identityEncoding(a)).not.toBe(identityEncoding(b));
      expect(alarmIdOf(a)).not.toBe(alarmIdOf(b));
    });
    it('keeps an engine rule apart from our rule of the same id', () => {
      expect(alarmIdOf({ rule: { ours: false, id: 'r' }, metric: 'm', tags: {} })).not.toBe(alarmIdOf({ rule: ours('r'), metric: 'm', tags: {} }));
    });
  });

  describe('for the same alarm seen twice', () => {
    it('gives the same id whatever the tag order', () => {
      const a = alarmIdOf({ rule: ours('r'), metric: 'm', tags: { host: 'h', dc: 'sh' } });
      const b = alarmIdOf({ rule: ours('r'), metric: 'm', tags: { dc: 'sh', host: 'h' } });
      expect(a).toBe(b);
      expect(a).toMatch(/^[0-9a-f]{32}$/);
    });
    it('treats an empty tag value as no tag, as Prometheus does', () => {
      expect(alarmIdOf({ rule: ours('r'), metric: 'm', tags: { host: 'h', zone: '' } })).toBe(alarmIdOf({ rule: ours('r'), metric: 'm', tags: { host: 'h' } }));
    });
  });

  describe('for a rule reported by two engines under their own ids', () => {
    const a = ruleIdMapOf(new Map([['rule-1', 'sz-7']]));
    const b = ruleIdMapOf(new Map([['rule-1', 'pr-x']]));
    it('names our rule either way, so the id is the same', () => {
      expect(ruleOf('sz-7', a)).toEqual(ours('rule-1'));
      expect(ruleOf('pr-x', b)).toEqual(ours('rule-1'));
    });
    it('recognises our own rule id in a stored view', () => {
      expect(ruleOf('rule-1', b)).toEqual(ours('rule-1'));
    });
    it('keeps an unlinked engine rule as the engine names it', () => {
      expect(ruleOf('sz-9', a)).toEqual({ ours: false, id: 'sz-9' });
    });
  });

  describe('fnv1a128', () => {
    it('matches the published FNV-1a 128 vectors', () => {
      expect(fnv1a128('')).toBe('6c62272e07bb014262b821756295c58d');
      expect(fnv1a128('a')).toBe('d228cb696f1a8caf78912b704e4a8964');
      expect(fnv1a128('foobar')).toBe('343e1662793c64bf6f0d3597ba446f18');
    });
    it('equals the BigInt definition for any text', () => {
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 100 }), (text) => {
        expect(fnv1a128(text)).toBe(fnv1a128Reference(text));
      }), { numRuns: 500 });
    });
  });
});
