import type { AllowlistError } from '../../domain/allowlist/allowlist-spec.js';
import type { CompiledAllowlist } from '../../domain/allowlist/compile-allowlist.js';
import type { CatalogEntry } from '../ports/metric-catalog.js';
import { loadAllowlist } from './load-allowlist.js';

/** Whether a metric name passes: always, depending on tag values, or never. */
export type Verdict = 'all' | 'some' | 'none';

export interface VerdictChange {
  readonly name: string;
  readonly before: Verdict;
  readonly after: Verdict;
  readonly seen: number;
  readonly seenPerMinute: number;
}

export interface DryRun {
  readonly valid: boolean;
  readonly errors: readonly AllowlistError[];
  readonly entries?: number;
  readonly minutes: number;
  readonly startPassing: VerdictChange[];
  readonly stopPassing: VerdictChange[];
}

const RANK: Record<Verdict, number> = { none: 0, some: 1, all: 2 };

/**
 * A catalog name is `measurement.field`; the field is taken after the last dot (Telegraf field keys rarely hold
 * dots, measurements sometimes do). The catalog keeps tag keys, not values, so a rule on tag values is `some`.
 */
export const verdictOf = (allowlist: CompiledAllowlist, name: string): Verdict => {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'none';
  const rule = allowlist.plan(name.slice(0, dot))?.field(name.slice(dot + 1));
  if (!rule) return 'none';
  return rule.always ? 'all' : 'some';
};

/**
 * What a proposed allowlist would change over the observed catalog: metrics that would pass more (start) or
 * less (stop) than under the current one, largest flows first.
 */
export const dryRunAllowlist = (current: CompiledAllowlist, proposedText: string, catalog: readonly CatalogEntry[], minutes: number): DryRun => {
  const loaded = loadAllowlist(proposedText);
  if (!loaded.ok) return { valid: false, errors: loaded.errors, minutes, startPassing: [], stopPassing: [] };
  const startPassing: VerdictChange[] = [];
  const stopPassing: VerdictChange[] = [];
  for (const entry of catalog) {
    if (entry.name.startsWith('_')) continue; // `_` (unparsed lines) and `_other` are not metric names
    const before = verdictOf(current, entry.name);
    const after = verdictOf(loaded.compiled, entry.name);
    if (before === after) continue;
    const change = { name: entry.name, before, after, seen: entry.seen, seenPerMinute: Math.round((entry.seen / minutes) * 100) / 100 };
    (RANK[after] > RANK[before] ? startPassing : stopPassing).push(change);
  }
  const bySeen = (a: VerdictChange, b: VerdictChange): number => b.seen - a.seen || a.name.localeCompare(b.name);
  return { valid: true, errors: [], entries: loaded.spec.entries.length, minutes, startPassing: startPassing.sort(bySeen), stopPassing: stopPassing.sort(bySeen) };
};
