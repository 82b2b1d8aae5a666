import { load, YAMLException } from 'js-yaml';
import type { AllowlistError, AllowlistSpec } from '../../domain/allowlist/allowlist-spec.js';
import { compileAllowlist } from '../../domain/allowlist/compile-allowlist.js';
import type { CompiledAllowlist } from '../../domain/allowlist/compile-allowlist.js';
import { DEFAULT_ALLOWLIST_LIMITS, validateAllowlist, type AllowlistLimits } from '../../domain/allowlist/validate-allowlist.js';

/** Bytes of one document (UTF-8); checked before parsing. A 10,000-entry list is well under 1 MiB. */
export const MAX_ALLOWLIST_BYTES = 4 * 1024 * 1024;

export type AllowlistLoad =
  | { readonly ok: true; readonly spec: AllowlistSpec; readonly compiled: CompiledAllowlist }
  | { readonly ok: false; readonly errors: readonly AllowlistError[] };

/**
 * `metrics-allowlist.yaml` text → validated spec → compiled matcher, or every error found. Used by the holder on
 * each new version, and by whoever must check a document before publishing it (API, CLI).
 */
export function loadAllowlist(text: string, limits: AllowlistLimits & { maxBytes?: number } = DEFAULT_ALLOWLIST_LIMITS): AllowlistLoad {
  const maxBytes = limits.maxBytes ?? MAX_ALLOWLIST_BYTES;
  // Length first: UTF-8 needs at least one byte per UTF-16 unit, so a longer string is too big without counting.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    return { ok: false, errors: [{ path: '(document)', message: `is larger than ${maxBytes} bytes` }] };
  }
  if (text.trim() === '') {
    // The Nacos client caches a missing config as an empty file: empty means "missing", never "allow nothing".
    return { ok: false, errors: [{ path: '(document)', message: 'is empty; an allowlist that forwards nothing says `entries: []`' }] };
  }
  let doc: unknown;
  try {
    doc = load(text);
  } catch (err) {
    return { ok: false, errors: [{ path: '(yaml)', message: yamlMessage(err) }] };
  }
  if (sharesANode(doc)) {
    return { ok: false, errors: [{ path: '(yaml)', message: 'aliases (*name) are not allowed: write every entry out' }] };
  }
  const validation = validateAllowlist(doc, limits);
  if (!validation.ok) return validation;
  return { ok: true, spec: validation.spec, compiled: compileAllowlist(validation.spec) };
}

/**
 * Whether a list or mapping is reachable twice, which only a YAML alias makes. An alias is a reference, not a
 * copy: a few lines of `*a` can stand for millions of entries to walk. Iterative and stopping at the first
 * repeat, so it visits each node of the text at most once.
 */
function sharesANode(doc: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (seen.has(node)) return true;
    seen.add(node);
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push(child);
  }
  return false;
}

function yamlMessage(err: unknown): string {
  if (err instanceof YAMLException) {
    const at = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}: ` : '';
    return `${at}${err.reason}`;
  }
  return err instanceof Error ? err.message : String(err);
}
