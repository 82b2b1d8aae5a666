import { migrateRules, engineRuleSource, type MigrationReport } from '../../application/rules/migrate-rules.js';
import type { AppConfig } from '../../infrastructure/config/config-schema.js';
import { createEngine, engineAddress } from '../../infrastructure/engines/create-engine.js';
import type { EngineLogger } from '../../infrastructure/engines/shuzhihui/index.js';

/**
 * `engine migrate --to <config>`: replays the detection rules of the engine this config uses into the engine
 * `target` names. Source: the current engine's rules (`listRules`) — the fallback while our event-sourced rule
 * store (branch h-api) is not in this build; with it, the source becomes that store (see docs/architecture.md
 * "The engine is replaceable"). An operator's one-off: it does not draw on the fleet's engine budget.
 */
export async function engineMigrate(current: AppConfig, target: AppConfig, log: EngineLogger): Promise<MigrationReport> {
  const from = createEngine(current, log);
  const to = createEngine(target, log);
  try {
    const source = engineRuleSource(from, `${current.engine.kind} at ${engineAddress(current)}`);
    return await migrateRules(source, to, `${target.engine.kind} at ${engineAddress(target)}`);
  } finally {
    await from.close();
    await to.close();
  }
}
