import type { EngineAlarm } from '../alarm.js';

/**
 * The identity of an alarm: which rule of ours watches which series — our rule id, the metric and the tags — and
 * nothing the engine makes up (its alarm ids, its rule ids, its start times). So an engine switch, which changes
 * all of those, leaves the alarm the same alarm (docs/architecture.md, "The engine is replaceable"). A rule the
 * engine holds but we never linked keeps the engine's rule id, under another kind marker: it cannot survive a
 * switch anyway, and it can never collide with one of ours.
 *
 * Tags with an empty value are left out: Prometheus cannot tell an empty label from a missing one, so keeping
 * them would make the same series two identities on two engines.
 *
 * Two steps, so that "no two distinct label sets collide" is a property of the first one and not a hope about the
 * second: `identityEncoding` is injective (every field is length-prefixed, tags sorted by key, a kind marker first),
 * and the hash runs over that encoding only. A label value containing `,` `=` `}` or any delimiter cannot fake a
 * field boundary, because a reader of the encoding never looks for delimiters, only counts.
 */
export interface IdentityInput {
  /** `ours`: our rule id (the engine rule is linked to it); else the engine's rule id. */
  readonly rule: { readonly ours: boolean; readonly id: string };
  readonly metric: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** `<length in UTF-16 code units>:<text>`: unambiguous whatever the text contains. */
const field = (s: string): string => `${s.length}:${s}`;

export function identityEncoding(input: IdentityInput): string {
  const keys = Object.keys(input.tags).filter((k) => input.tags[k] !== '').sort();
  // `L` is the marker labels-only identities had before; an unlinked rule keeps the encoding it had then.
  let out = `${input.rule.ours ? 'R' : 'L'}${field(input.rule.id)}${field(input.metric)}${keys.length}#`;
  for (const k of keys) out += field(k) + field(input.tags[k] as string);
  return out;
}

// FNV-1a, 128-bit (offset basis and prime from the FNV reference), over the UTF-8 bytes of the encoding. Pure and
// dependency-free (the domain may not import node:crypto); 128 bits make an accidental collision among even 10^9
// alarms ~10^-21. Not meant to resist a forger: the labels come from the engine, not from an adversary.
//
// Written for speed: every poll fingerprints every alarm it sees and every alarm it knows (a reconcile of 5,000 +
// 5,000 took 1.2–1.9 s with BigInt arithmetic, ~0.13 s like this; docs/performance.md "alarms"). The state is four 32-bit limbs, little-endian; the prime
// is 2^88 + 0x13b, so h·p = h·0x13b + (h << 88) mod 2^128, and every partial product stays below 2^41 (exact in a
// double). Checked against a BigInt reference in test/unit/alarms/alarm-identity.test.ts.
const TWO32 = 4294967296;
const utf8 = new TextEncoder();

export function fnv1a128(text: string): string {
  let h0 = 0x6295c58d, h1 = 0x62b82175, h2 = 0x07bb0142, h3 = 0x6c62272e;
  for (const byte of utf8.encode(text)) {
    h0 = (h0 ^ byte) >>> 0;
    const t0 = h0 * 0x13b;
    const t1 = h1 * 0x13b + Math.floor(t0 / TWO32);
    const t2 = h2 * 0x13b + Math.floor(t1 / TWO32) + ((h0 << 24) >>> 0);
    const t3 = h3 * 0x13b + Math.floor(t2 / TWO32) + (((h1 << 24) | (h0 >>> 8)) >>> 0);
    h0 = t0 >>> 0;
    h1 = t1 >>> 0;
    h2 = t2 >>> 0;
    h3 = t3 >>> 0;
  }
  return [h3, h2, h1, h0].map((x) => x.toString(16).padStart(8, '0')).join('');
}

/** The alarm id used for its stream (`alarmStream(id)`) and everywhere downstream: 32 hex digits. */
export const alarmIdOf = (input: IdentityInput): string => fnv1a128(identityEncoding(input));

/**
 * Engine rule id → our rule id, from the rule links of the engine being polled (`EngineRuleLinks`, inverted).
 * `ours` is the set of our rule ids, so that a view already naming our rule is recognised as such.
 */
export interface RuleIdMap {
  readonly toOurs: ReadonlyMap<string, string>;
  readonly ours: ReadonlySet<string>;
}

export const EMPTY_RULE_ID_MAP: RuleIdMap = { toOurs: new Map(), ours: new Set() };

export function ruleIdMapOf(links: ReadonlyMap<string, string>): RuleIdMap {
  const toOurs = new Map<string, string>();
  for (const [ours, engine] of links) toOurs.set(engine, ours);
  return { toOurs, ours: new Set(links.keys()) };
}

/** A rule id as reported (an engine's) or as stored in a view (ours, or an old version's engine rule id). */
export function ruleOf(ruleId: string, map: RuleIdMap): IdentityInput['rule'] {
  const linked = map.toOurs.get(ruleId);
  if (linked !== undefined) return { ours: true, id: linked };
  return { ours: map.ours.has(ruleId), id: ruleId };
}

export const engineAlarmIdentity = (a: Pick<EngineAlarm, 'ruleId' | 'metric' | 'tags'>, map: RuleIdMap): IdentityInput => ({
  rule: ruleOf(a.ruleId, map),
  metric: a.metric,
  tags: a.tags,
});
