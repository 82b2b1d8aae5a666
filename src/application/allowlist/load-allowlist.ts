import { load, YAMLException } from 'js-yaml';
import type { AllowlistError, AllowlistSpec } from '../../domain/allowlist/allowlist-spec.js';
import { compileAllowlist } from '../../domain/allowlist/compile-allowlist.js';
import type { CompiledAllowlist } from '../../domain/allowlist/compile-allowlist.js';
import { validateAllowlist } from '../../domain/allowlist/validate-allowlist.js';

export type AllowlistLoad =
  | { readonly ok: true; readonly spec: AllowlistSpec; readonly compiled: CompiledAllowlist }
  | { readonly ok: false; readonly errors: readonly AllowlistError[] };

/**
 * `metrics-allowlist.yaml` text → validated spec → compiled matcher, or every error found. Used by the holder on
 * each new version, and by whoever must check a document before publishing it (API, CLI).
 */
export function loadAllowlist(text: string): AllowlistLoad {
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
  const validation = validateAllowlist(doc);
  if (!validation.ok) return validation;
  return { ok: true, spec: validation.spec, compiled: compileAllowlist(validation.spec) };
}

function yamlMessage(err: unknown): string {
  if (err instanceof YAMLException) {
    const at = err.mark ? `line ${err.mark.line + 1}, column ${err.mark.column + 1}: ` : '';
    return `${at}${err.reason}`;
  }
  return err instanceof Error ? err.message : String(err);
}
