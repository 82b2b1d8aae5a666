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
const FNV128_OFFSET = 0x6c62272e07bb014262b821756295c58dn;
const FNV128_PRIME = 0x0000000001000000000000000000013bn;
const MASK128 = (1n << 128n) - 1n;
const utf8 = new TextEncoder();

export function fnv1a128(text: string): string {
  let h = FNV128_OFFSET;
  for (const byte of utf8.encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV128_PRIME) & MASK128;
  }
  return h.toString(16).padStart(32, '0');
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
