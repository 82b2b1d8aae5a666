import type { AllowlistEntry, AllowlistSpec, TagRule } from './allowlist-spec.js';
import { detachString } from './detach-string.js';
import { parsePattern } from './glob.js';
import type { Pattern } from './glob.js';

export type Tags = Readonly<Record<string, string>>;

/** What the allowlist says about one field of one measurement. */
export interface FieldRule {
  /** True when the field passes whatever its tags are, so the caller may skip the tag checks. */
  readonly always: boolean;
  matches(tags: Tags): boolean;
}

export interface MeasurementPlan {
  /** null: this field never passes. */
  field(field: string): FieldRule | null;
}

/**
 * The allowlist compiled for the ingest hot path. Exact measurements and fields are hash-map lookups, so their
 * cost does not grow with the list; globs are tested only for names the maps do not settle (and, for
 * measurements, once per distinct name: the result is memoised).
 */
export interface CompiledAllowlist {
  readonly shape: { readonly entries: number; readonly exactMeasurements: number; readonly globMeasurements: number };
  /** null: nothing in this measurement can pass, so its tags need not even be decoded. */
  plan(measurement: string): MeasurementPlan | null;
  match(measurement: string, field: string, tags: Tags): boolean;
}

type TagCondition = (tags: Tags) => boolean;

interface CompiledEntry {
  readonly measurement: Pattern;
  readonly fields: readonly Pattern[] | null;
  /** null: the entry has no tag rules. */
  readonly condition: TagCondition | null;
}

/** Distinct measurement names remembered when globs are present; cleared when full to bound memory. */
const MEMO_LIMIT = 20_000;

class Rule implements FieldRule {
  constructor(
    readonly always: boolean,
    readonly conditions: readonly TagCondition[],
  ) {}

  matches(tags: Tags): boolean {
    if (this.always) return true;
    for (const condition of this.conditions) if (condition(tags)) return true;
    return false;
  }
}

const ALWAYS = new Rule(true, []);

/** OR of entry conditions; an entry without tag rules makes the whole rule unconditional. */
function ruleOf(conditions: readonly (TagCondition | null)[]): Rule | null {
  if (conditions.length === 0) return null;
  if (conditions.includes(null)) return ALWAYS;
  return new Rule(false, conditions as TagCondition[]);
}

/** Appends to the list under `key`, creating it: never a spread copy, which makes building quadratic. */
function append<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/**
 * The rules of one measurement's fields. Building it is linear in its entries; a field's rule (its exact
 * entries, the field-less entries, the field globs that match it, OR-ed) is made at its first lookup and
 * remembered, so a document pairing many exact fields with many globs costs nothing until names arrive.
 */
class Plan implements MeasurementPlan {
  private readonly any: Rule | null;
  /** The field-less entries as one condition, so that a field's rule holds one reference, not a copy of them. */
  private readonly anyCondition: TagCondition | null;
  /** Without field globs every exact field's rule is known up front (linear): one lookup, no memo. */
  private readonly exactRules = new Map<string, Rule | null>();
  private readonly memo = new Map<string, Rule | null>();

  constructor(
    any: readonly (TagCondition | null)[],
    private readonly exact: ReadonlyMap<string, readonly (TagCondition | null)[]>,
    private readonly globs: readonly { readonly pattern: Pattern; readonly condition: TagCondition | null }[],
  ) {
    const rule = ruleOf(any);
    this.any = rule;
    this.anyCondition = rule === null || rule.always ? null : (tags) => rule.matches(tags);
    if (globs.length === 0) for (const field of exact.keys()) this.exactRules.set(field, this.merged(field));
  }

  field(field: string): FieldRule | null {
    if (this.globs.length === 0) {
      const rule = this.exactRules.get(field);
      return rule !== undefined ? rule : this.any;
    }
    const known = this.memo.get(field);
    if (known !== undefined) return known;
    const rule = this.merged(field);
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(detachString(field), rule);
    return rule;
  }

  private merged(field: string): Rule | null {
    const exact = this.exact.get(field);
    const parts: (TagCondition | null)[] = exact === undefined ? [] : exact.slice();
    if (this.any !== null) parts.push(this.anyCondition);
    for (const glob of this.globs) if (glob.pattern.test(field)) parts.push(glob.condition);
    return ruleOf(parts);
  }
}

function buildPlan(entries: readonly CompiledEntry[]): Plan | null {
  if (entries.length === 0) return null;
  const any: (TagCondition | null)[] = [];
  const exact = new Map<string, (TagCondition | null)[]>();
  const globs: { pattern: Pattern; condition: TagCondition | null }[] = [];
  for (const entry of entries) {
    if (entry.fields === null) any.push(entry.condition);
    else
      for (const pattern of entry.fields) {
        if (pattern.literal === null) globs.push({ pattern, condition: entry.condition });
        else append(exact, pattern.literal, entry.condition);
      }
  }
  return new Plan(any, exact, globs);
}

class Compiled implements CompiledAllowlist {
  private readonly memo = new Map<string, Plan | null>();
  readonly shape;

  constructor(
    entries: number,
    private readonly exactEntries: ReadonlyMap<string, readonly CompiledEntry[]>,
    private readonly exactPlans: ReadonlyMap<string, Plan>,
    private readonly globEntries: readonly CompiledEntry[],
  ) {
    this.shape = { entries, exactMeasurements: exactPlans.size, globMeasurements: globEntries.length };
  }

  plan(measurement: string): MeasurementPlan | null {
    if (this.globEntries.length === 0) return this.exactPlans.get(measurement) ?? null;
    const known = this.memo.get(measurement);
    return known !== undefined ? known : this.resolve(measurement);
  }

  match(measurement: string, field: string, tags: Tags): boolean {
    const rule = this.plan(measurement)?.field(field);
    return rule !== undefined && rule !== null && rule.matches(tags);
  }

  private resolve(measurement: string): Plan | null {
    const globs = this.globEntries.filter((e) => e.measurement.test(measurement));
    const plan =
      globs.length === 0
        ? (this.exactPlans.get(measurement) ?? null)
        : buildPlan((this.exactEntries.get(measurement) ?? []).concat(globs));
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(detachString(measurement), plan);
    return plan;
  }
}

/** Compiles a validated spec (see validateAllowlist); throws on a pattern validation would have rejected. */
export function compileAllowlist(spec: AllowlistSpec): CompiledAllowlist {
  const exactEntries = new Map<string, CompiledEntry[]>();
  const globEntries: CompiledEntry[] = [];
  for (const entry of spec.entries) {
    const compiled = compileEntry(entry);
    const literal = compiled.measurement.literal;
    if (literal === null) globEntries.push(compiled);
    else append(exactEntries, literal, compiled);
  }
  const exactPlans = new Map<string, Plan>();
  for (const [measurement, entries] of exactEntries) {
    const plan = buildPlan(entries);
    if (plan !== null) exactPlans.set(measurement, plan);
  }
  return new Compiled(spec.entries.length, exactEntries, exactPlans, globEntries);
}

/** Lets nothing through: what the ingest path uses before the first valid allowlist arrives. */
export const EMPTY_ALLOWLIST: CompiledAllowlist = compileAllowlist({ version: 1, entries: [] });

function compileEntry(entry: AllowlistEntry): CompiledEntry {
  const tagRules = Object.entries(entry.tags ?? {});
  const checks = tagRules.map(([key, rule]) => tagCheck(key, rule));
  const condition: TagCondition | null =
    checks.length === 0 ? null : checks.length === 1 ? (checks[0] ?? null) : (tags) => checks.every((check) => check(tags));
  return { measurement: pattern(entry.measurement), fields: entry.fields?.map(pattern) ?? null, condition };
}

function tagCheck(key: string, rule: TagRule): TagCondition {
  // hasOwn, not `tags[key]`: a tag key such as `constructor` must not find Object.prototype's.
  const valueOf = (tags: Tags): string | undefined => (Object.hasOwn(tags, key) ? tags[key] : undefined);
  if (typeof rule !== 'string') {
    const patterns = rule.map(pattern);
    return (tags) => {
      const value = valueOf(tags);
      return value !== undefined && patterns.some((p) => p.test(value));
    };
  }
  if (rule.startsWith('!')) {
    const negated = pattern(rule.slice(1));
    return (tags) => {
      const value = valueOf(tags);
      return value === undefined || !negated.test(value);
    };
  }
  const positive = pattern(rule);
  return (tags) => {
    const value = valueOf(tags);
    return value !== undefined && positive.test(value);
  };
}

function pattern(source: string): Pattern {
  const parsed = parsePattern(source);
  if (!parsed.ok) throw new Error(`invalid allowlist pattern '${source}': ${parsed.message}`);
  return parsed.pattern;
}
