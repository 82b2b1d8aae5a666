import type { PipelineSamples } from '../ports/pipeline-samples.js';

/** A running total as the replica counts it (prom-client counters), one value per label set. */
export type CounterTotals = () => Promise<Record<string, number>>;

export interface PipelineSamplerDeps {
  readonly samples: PipelineSamples;
  /** This replica's counters since start (`passed`, `forwarded`, `dropped.<reason>`): deltas are recorded. */
  readonly counters: CounterTotals;
  /** Point-in-time values (`backlog`, `breaker`, `lag.<partition>`, …): recorded as they are. */
  readonly gauges: () => Promise<Record<string, number>>;
  readonly now?: () => number;
  readonly onError?: (err: unknown) => void;
}

/**
 * Every replica records what it counted since its previous sample, so the fleet's buckets sum to the fleet's
 * rates with no coordination. A failed write keeps its delta for the next tick (the totals move on regardless).
 */
export function pipelineSampler(deps: PipelineSamplerDeps): { tick(): Promise<void> } {
  const now = deps.now ?? Date.now;
  let recorded: Record<string, number> = {};
  return {
    async tick() {
      try {
        const totals = await deps.counters();
        const deltas: Record<string, number> = {};
        for (const [name, total] of Object.entries(totals)) deltas[name] = total - (recorded[name] ?? 0);
        await deps.samples.record(now(), deltas, await deps.gauges());
        recorded = totals;
      } catch (err) {
        deps.onError?.(err);
      }
    },
  };
}
