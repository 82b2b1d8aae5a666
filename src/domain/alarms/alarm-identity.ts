import type { EngineAlarm } from '../alarm.js';

/**
 * The identity of an alarm: a stable fingerprint of what the engine says about it. The engine's own alarm id when
 * it has one (the simulator and 数智慧 give every episode a fresh one), else rule + metric + tags.
 *
 * Two steps, so that "no two distinct label sets collide" is a property of the first one and not a hope about the
 * second: `identityEncoding` is injective (every field is length-prefixed, tags sorted by key, a kind marker first),
 * and the hash runs over that encoding only. A label value containing `,` `=` `}` or any delimiter cannot fake a
 * field boundary, because a reader of the encoding never looks for delimiters, only counts.
 */
export interface IdentityInput {
  readonly engineAlarmId: string | null;
  readonly ruleId: string;
  readonly metric: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** `<length in UTF-16 code units>:<text>`: unambiguous whatever the text contains. */
const field = (s: string): string => `${s.length}:${s}`;

const hasEngineId = (id: string | null): id is string => id !== null && id.trim() !== '';

export function identityEncoding(input: IdentityInput): string {
  if (hasEngineId(input.engineAlarmId)) return `E${field(input.engineAlarmId)}`;
  const keys = Object.keys(input.tags).sort();
  let out = `L${field(input.ruleId)}${field(input.metric)}${keys.length}#`;
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

export const engineAlarmIdentity = (a: EngineAlarm): IdentityInput => ({
  engineAlarmId: hasEngineId(a.alarmId) ? a.alarmId : null,
  ruleId: a.ruleId,
  metric: a.metric,
  tags: a.tags,
});
