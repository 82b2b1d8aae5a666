import { Redis } from 'ioredis';
import type { ReconcileReport } from '../../application/rules/reconcile-rules.js';
import { engineRuleSource, migrateRules, type MigrationReport } from '../../application/rules/migrate-rules.js';
import { ruleReconciler } from '../../application/rules/rule-reconciler.js';
import type { AppConfig } from '../../infrastructure/config/config-schema.js';
import { createEngine, engineAddress, engineRuleLinksPrefix } from '../../infrastructure/engines/create-engine.js';
import type { EngineLogger } from '../../infrastructure/engines/shuzhihui/index.js';
import { RedisEngineRuleLinks } from '../../infrastructure/redis/redis-engine-rule-links.js';
import { RedisEventStore } from '../../infrastructure/redis/redis-event-store.js';
import { RedisSharedCache } from '../../infrastructure/redis/redis-shared-cache.js';

export type MigrateOutcome =
  | ({ readonly from: 'rule-store'; readonly target: string } & ReconcileReport)
  | ({ readonly from: 'engine' } & MigrationReport);

const describe = (c: AppConfig): string => `${c.engine.kind} at ${engineAddress(c)}`;

/**
 * `engine migrate --to <config>`: makes the engine `target` names hold our detection rules.
 * - Default: from our rule store (the `rule` event streams, the source of truth), by the rule reconciler run
 *   against the target engine with the target's own id links (`engineRuleLinksPrefix`), under the fleet's
 *   reconcile lease: rules are created, changed ones updated, ones we deleted removed, and running it again
 *   does nothing. The fleet on the current engine keeps its links and goes on undisturbed until it is switched.
 * - `--from-engine`: from the current engine's `listRules`, for rules that exist only there (made before our
 *   store, or in the engine's UI); matched by spec so a repeat creates nothing twice.
 * An operator's one-off: it does not draw on the fleet's engine budget.
 */
export async function engineMigrate(current: AppConfig, target: AppConfig, log: EngineLogger, opts: { fromEngine: boolean }): Promise<MigrateOutcome> {
  const to = createEngine(target, log);
  try {
    if (opts.fromEngine) {
      const from = createEngine(current, log);
      try {
        return { from: 'engine', ...(await migrateRules(engineRuleSource(from, describe(current)), to, describe(target))) };
      } finally {
        await from.close();
      }
    }
    const redis = new Redis(current.redis.url, { maxRetriesPerRequest: 2 });
    try {
      const reconciler = ruleReconciler({
        store: new RedisEventStore(redis, { keyPrefix: `${current.redis.keyPrefix}:` }),
        engine: to,
        links: new RedisEngineRuleLinks(redis, engineRuleLinksPrefix(target)),
        lease: new RedisSharedCache(redis, current.redis.keyPrefix),
        leaseMs: target.engine.timeoutMs * 4,
      });
      return { from: 'rule-store', target: describe(target), ...(await reconciler.now()) };
    } finally {
      redis.disconnect();
    }
  } finally {
    await to.close();
  }
}

export const migrateFailed = (o: MigrateOutcome): boolean => (o.from === 'engine' ? o.failed.length > 0 : o.errors.length > 0);
