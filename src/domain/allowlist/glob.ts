/**
 * Glob patterns for allowlist names: `*` matches any run of characters (including none), `?` exactly one,
 * and `\` makes the next character literal (`\*`, `\?`, `\\`, `\!`). A pattern without wildcards is a literal,
 * which the compiler puts in a hash map instead of testing it.
 */
export interface Pattern {
  readonly source: string;
  /** The unescaped name when the pattern has no wildcard; null for a real glob. */
  readonly literal: string | null;
  test(value: string): boolean;
}

export type PatternParse = { readonly ok: true; readonly pattern: Pattern } | { readonly ok: false; readonly message: string };

type Token = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'star' } | { readonly kind: 'one' };

export function parsePattern(source: string): PatternParse {
  if (source.length === 0) return { ok: false, message: 'must not be empty' };
  const tokens: Token[] = [];
  let text = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      const next = source[i + 1];
      if (next === undefined) return { ok: false, message: `ends with a lone '\\' (write '\\\\' for a literal backslash)` };
      text += next;
      i++;
    } else if (c === '*' || c === '?') {
      if (text !== '') tokens.push({ kind: 'text', text });
      text = '';
      const last = tokens[tokens.length - 1];
      // Consecutive stars mean the same as one; collapsing them keeps the fast shapes below recognisable.
      if (c === '?' || last?.kind !== 'star') tokens.push(c === '*' ? { kind: 'star' } : { kind: 'one' });
    } else {
      text += c;
    }
  }
  if (text !== '') tokens.push({ kind: 'text', text });
  return { ok: true, pattern: build(source, tokens) };
}

function build(source: string, tokens: readonly Token[]): Pattern {
  const [first, second, third] = tokens;
  if (tokens.length === 1 && first?.kind === 'text') {
    const literal = first.text;
    return { source, literal, test: (v) => v === literal };
  }
  if (tokens.length === 1 && first?.kind === 'star') return { source, literal: null, test: () => true };
  // The common allowlist shapes (`app_*`, `*_total`, `*err*`) avoid a RegExp.
  if (tokens.length === 2 && first?.kind === 'text' && second?.kind === 'star') {
    const prefix = first.text;
    return { source, literal: null, test: (v) => v.startsWith(prefix) };
  }
  if (tokens.length === 2 && first?.kind === 'star' && second?.kind === 'text') {
    const suffix = second.text;
    return { source, literal: null, test: (v) => v.endsWith(suffix) };
  }
  if (tokens.length === 3 && first?.kind === 'star' && second?.kind === 'text' && third?.kind === 'star') {
    const part = second.text;
    return { source, literal: null, test: (v) => v.includes(part) };
  }
  // Any other shape: a linear scan, not a RegExp, whose backtracking on `*a*a*a*a*b` is exponential in the stars.
  const steps: Step[] = tokens.flatMap((t): Step[] => (t.kind === 'text' ? Array.from(t.text) : [t.kind === 'star' ? STAR : ONE]));
  return { source, literal: null, test: (v) => globMatch(steps, Array.from(v)) };
}

/** A code point to match, or a wildcard. */
type Step = string | typeof STAR | typeof ONE;
const STAR = Symbol('*');
const ONE = Symbol('?');

/**
 * Wildcard match over code points (`?` is one code point, not half of one; wildcards match newlines too) in
 * O(pattern × value): on a mismatch, only the last star is widened by one, earlier stars never move again.
 */
function globMatch(p: readonly Step[], s: readonly string[]): boolean {
  let i = 0;
  let j = 0;
  let star = -1;
  let resume = 0;
  while (i < s.length) {
    const step = p[j];
    if (step === ONE || (j < p.length && step === s[i])) {
      i++;
      j++;
    } else if (step === STAR) {
      star = j++;
      resume = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++resume;
    } else {
      return false;
    }
  }
  while (p[j] === STAR) j++;
  return j === p.length;
}
