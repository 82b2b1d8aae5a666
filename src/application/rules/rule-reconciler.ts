import type { AnalysisEngine } from '../ports/analysis-engine.js';
import type { EngineRuleLinks } from '../ports/engine-rule-links.js';
import type { EventStore } from '../ports/event-store.js';
import type { SharedCache } from '../ports/shared-cache.js';
import { reconcileRules, type ReconcileReport } from './reconcile-rules.js';

export interface RuleReconcilerOptions {
  readonly store: EventStore;
  readonly engine: AnalysisEngine;
  readonly links: EngineRuleLinks;
  /** The fleet-wide lease: one replica reconciles at a time. */
  readonly lease: Pick<SharedCache, 'lease' | 'release'>;
  readonly leaseMs: number;
  readonly onReport?: (report: ReconcileReport) => void;
  readonly onError?: (err: unknown) => void;
}

export class ReconcileBusyError extends Error {
  readonly code = 'RULES.RECONCILE_BUSY';
  constructor() {
    super('another replica is reconciling the rules right now');
    this.name = 'ReconcileBusyError';
  }
}

const LEASE_KEY = 'rules-reconcile';

/**
 * Runs the rule reconciliation under a fleet-wide lease. `now()` runs it and answers the report (busy when another
 * replica holds the lease); `kick()` asks for a run soon without waiting (after every write: runs that arrive
 * while one is going collapse into one more run after it).
 */
export const ruleReconciler = (o: RuleReconcilerOptions) => {
  let running: Promise<ReconcileReport> | undefined;
  let again = false;
  const leased = async (): Promise<ReconcileReport> => {
    const token = await o.lease.lease(LEASE_KEY, o.leaseMs);
    if (token === null) throw new ReconcileBusyError();
    try {
      const report = await reconcileRules(o);
      o.onReport?.(report);
      return report;
    } finally {
      await o.lease.release(LEASE_KEY, token);
    }
  };
  const kick = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = leased()
      .catch((err: unknown) => {
        if (!(err instanceof ReconcileBusyError)) o.onError?.(err);
        return { created: 0, updated: 0, deleted: 0, drift: [], errors: [] };
      })
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          kick();
        }
      });
  };
  // A run asked for while this replica's own run is going waits for it, rather than failing on our own lease.
  const now = async (): Promise<ReconcileReport> => {
    while (running) await running;
    return leased();
  };
  return { now, kick, idle: async (): Promise<void> => void (await running) };
};
