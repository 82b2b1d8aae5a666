import { ALLOWLIST_SCHEMA_VERSION } from './allowlist-spec.js';
import type { AllowlistEntry, AllowlistError, AllowlistValidation, TagRule } from './allowlist-spec.js';
import { parsePattern } from './glob.js';

const ROOT_KEYS = ['version', 'entries'] as const;
const ENTRY_KEYS = ['measurement', 'fields', 'tags', 'owner', 'note'] as const;
/** Enough to fix a document in one pass without flooding a log line or an API response. */
const MAX_ERRORS = 100;

type Plain = Record<string, unknown>;

/**
 * Bounds on a document, so that a hostile or broken one costs bounded time and memory to refuse. Generous:
 * ten thousand entries is a large fleet's list (bench/decode.ts uses 10,000).
 */
export interface AllowlistLimits {
  readonly maxEntries: number;
  /** Field patterns of one entry; also patterns in one tag rule's list. */
  readonly maxFieldsPerEntry: number;
  readonly maxTagRulesPerEntry: number;
  /** Characters of one measurement, field or tag pattern. */
  readonly maxPatternLength: number;
}

export const DEFAULT_ALLOWLIST_LIMITS: AllowlistLimits = { maxEntries: 50_000, maxFieldsPerEntry: 1_000, maxTagRulesPerEntry: 64, maxPatternLength: 256 };

/**
 * Checks a parsed document (plain objects from YAML or JSON) against the allowlist schema. Every problem is
 * reported with the path of the offending value, so that the person editing the file can go straight to it.
 */
export function validateAllowlist(doc: unknown, limits: AllowlistLimits = DEFAULT_ALLOWLIST_LIMITS): AllowlistValidation {
  const errors: AllowlistError[] = [];
  const fail: Fail = Object.assign(
    (path: string, message: string): void => {
      errors.push({ path, message });
    },
    { count: () => errors.length, limits },
  );
  if (!isPlain(doc)) {
    fail('(root)', `must be a mapping with 'version' and 'entries' (got ${describe(doc)})`);
    return { ok: false, errors };
  }
  unknownKeys(doc, ROOT_KEYS, '', fail);
  if (doc.version !== undefined && doc.version !== ALLOWLIST_SCHEMA_VERSION) {
    fail('version', `unsupported schema version ${describe(doc.version)}; this build understands ${ALLOWLIST_SCHEMA_VERSION}`);
  }
  const entries: AllowlistEntry[] = [];
  if (doc.entries === undefined || doc.entries === null) {
    fail('entries', 'is required: a list of entries (an empty list [] forwards nothing)');
  } else if (!Array.isArray(doc.entries)) {
    fail('entries', `must be a list (got ${describe(doc.entries)})`);
  } else if (doc.entries.length > limits.maxEntries) {
    // Refused before any entry is looked at: the cost of refusing does not grow with the document.
    fail('entries', `holds ${doc.entries.length} entries; at most ${limits.maxEntries} are allowed`);
  } else {
    doc.entries.forEach((raw: unknown, i) => {
      const entry = validateEntry(raw, `entries[${i}]`, fail);
      if (entry !== null) entries.push(entry);
    });
  }
  if (errors.length > 0) return { ok: false, errors: capped(errors) };
  return { ok: true, spec: { version: ALLOWLIST_SCHEMA_VERSION, entries } };
}

/** Records an error; `count()` lets a caller see whether its own part added any. */
type Fail = ((path: string, message: string) => void) & { count(): number; readonly limits: AllowlistLimits };

function validateEntry(raw: unknown, path: string, fail: Fail): AllowlistEntry | null {
  if (!isPlain(raw)) {
    fail(path, `must be a mapping with at least 'measurement' (got ${describe(raw)})`);
    return null;
  }
  const errorsBefore = fail.count();
  unknownKeys(raw, ENTRY_KEYS, `${path}.`, fail);
  const measurement = name(raw.measurement, `${path}.measurement`, fail);
  let fields: string[] | undefined;
  if (raw.fields !== undefined) {
    if (!Array.isArray(raw.fields)) {
      fail(`${path}.fields`, `must be a list such as [${describe(raw.fields)}] (omit 'fields' to allow every field)`);
    } else if (raw.fields.length === 0) {
      fail(`${path}.fields`, "an empty list matches nothing; omit 'fields' to allow every field");
    } else if (raw.fields.length > fail.limits.maxFieldsPerEntry) {
      fail(`${path}.fields`, `holds ${raw.fields.length} patterns; at most ${fail.limits.maxFieldsPerEntry} are allowed`);
    } else {
      fields = raw.fields.map((f: unknown, j) => name(f, `${path}.fields[${j}]`, fail));
    }
  }
  const tags = raw.tags === undefined ? undefined : validateTags(raw.tags, `${path}.tags`, fail);
  for (const key of ['owner', 'note'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') fail(`${path}.${key}`, `must be text (got ${describe(raw[key])})`);
  }
  if (fail.count() > errorsBefore) return null;
  return {
    measurement,
    ...(fields !== undefined && { fields }),
    ...(tags !== undefined && { tags }),
    ...(typeof raw.owner === 'string' && { owner: raw.owner }),
    ...(typeof raw.note === 'string' && { note: raw.note }),
  };
}

function validateTags(raw: unknown, path: string, fail: Fail): Record<string, TagRule> | undefined {
  if (!isPlain(raw)) {
    fail(path, `must be a mapping of tag key to pattern (got ${describe(raw)})`);
    return undefined;
  }
  // Null prototype: a tag literally named `__proto__` must stay a key, not replace the prototype.
  const out = Object.create(null) as Record<string, TagRule>;
  const rules = Object.entries(raw);
  if (rules.length > fail.limits.maxTagRulesPerEntry) {
    fail(path, `holds ${rules.length} tag rules; at most ${fail.limits.maxTagRulesPerEntry} are allowed`);
    return undefined;
  }
  for (const [key, rule] of rules) {
    const at = `${path}.${key}`;
    if (key.length === 0) fail(path, 'a tag key must not be empty');
    if (Array.isArray(rule)) {
      if (rule.length === 0) fail(at, 'an empty list matches nothing; remove the key or give at least one pattern');
      if (rule.length > fail.limits.maxFieldsPerEntry) {
        fail(at, `holds ${rule.length} patterns; at most ${fail.limits.maxFieldsPerEntry} are allowed`);
        continue;
      }
      rule.forEach((r: unknown, j) => {
        const text = name(r, `${at}[${j}]`, fail, true);
        if (text.startsWith('!')) fail(`${at}[${j}]`, "negation ('!') is not allowed inside a list; use a single '!pattern'");
      });
      out[key] = rule as string[];
    } else {
      const text = typeof rule === 'string' && rule.startsWith('!') ? rule.slice(1) : rule;
      if (text === '') fail(at, "'!' must be followed by a pattern ('!*' means the tag must be absent)");
      else name(text, at, fail, true);
      if (typeof rule === 'string') out[key] = rule;
    }
  }
  return out;
}

/** A measurement, field or tag pattern: a non-empty string that parses as a glob. */
function name(raw: unknown, path: string, fail: Fail, negatable = false): string {
  if (raw === undefined || raw === null) {
    fail(path, 'is required');
    return '';
  }
  if (typeof raw !== 'string') {
    const hint = typeof raw === 'number' || typeof raw === 'boolean' ? ` — quote it in YAML: '${String(raw)}'` : '';
    fail(path, `must be a text pattern (got ${describe(raw)}${hint})`);
    return '';
  }
  if (raw.length > fail.limits.maxPatternLength) {
    fail(path, `is ${raw.length} characters long; at most ${fail.limits.maxPatternLength} are allowed`);
    return raw;
  }
  if (!negatable && raw.startsWith('!')) {
    fail(path, "negation ('!') is only supported in tag rules; write '\\!' for a name that starts with '!'");
    return raw;
  }
  const parsed = parsePattern(raw);
  if (!parsed.ok) fail(path, parsed.message);
  return raw;
}

function unknownKeys(obj: Plain, known: readonly string[], prefix: string, fail: Fail): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) fail(`${prefix}${key}`, `unknown key '${key}' (allowed: ${known.join(', ')})`);
  }
}

function isPlain(v: unknown): v is Plain {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function capped(errors: AllowlistError[]): AllowlistError[] {
  if (errors.length <= MAX_ERRORS) return errors;
  const rest = errors.length - MAX_ERRORS;
  return [...errors.slice(0, MAX_ERRORS), { path: '(document)', message: `${rest} more errors not shown` }];
}
