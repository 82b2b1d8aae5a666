import { readFileSync } from 'node:fs';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { loadAllowlist } from '../../application/allowlist/load-allowlist.js';
import { queryMetricCatalog } from '../../application/catalog/query-metric-catalog.js';
import { FORWARD_QUEUE } from '../../infrastructure/bullmq/forward-queue.js';
import type { AppConfig } from '../../infrastructure/config/config-schema.js';
import { ConfigError, loadConfig } from '../../infrastructure/config/load-config.js';
import { createLogger } from '../../infrastructure/observability/logger.js';
import { RedisMetricCatalog } from '../../infrastructure/redis/redis-metric-catalog.js';
import { RedisQuarantine } from '../../infrastructure/redis/redis-quarantine.js';
import { listDeadLetters, replayDeadLetters, showDeadLetter } from './dead-letters.js';
import { runProjectionCommand } from './projections-commands.js';

/** The composition root's entry point, passed in (main.ts owns the wiring; this file owns the command line). */
export type StartBridge = (config: AppConfig, log: Logger) => Promise<{ stop(): Promise<void> }>;

const SHUTDOWN_GRACE_MS = 25_000;

function usage(message: string): never {
  throw new Error(message);
}

/**
 * The command line: `serve` (default), `dead-letters list|show <id>|replay <id…|--all>`, `catalog [--minutes N]`
 * (what flows, passes, is dropped, per metric), `quarantine` (latest bad lines), `validate-allowlist <file>`,
 * `projections status|rebuild <name>`, `delivery dead-letters|replay|enable <sink>` (projections-commands.ts).
 */
export async function runCli(argv: readonly string[], startBridge: StartBridge): Promise<number> {
  const args = [...argv];
  const configAt = args.indexOf('--config');
  const file = configAt >= 0 ? args.splice(configAt, 2)[1] : process.env.AIOPS_CONFIG;
  const [command = 'serve', ...rest] = args;
  if (command === 'validate-allowlist') {
    const path = rest[0] ?? usage('usage: validate-allowlist <file>');
    const result = loadAllowlist(readFileSync(path, 'utf8'));
    console.log(JSON.stringify(result.ok ? { ok: true, ...result.compiled.shape } : { ok: false, errors: result.errors }, null, 2));
    return result.ok ? 0 : 1;
  }
  let config: AppConfig;
  try {
    config = loadConfig({ ...(file ? { file } : {}), forTool: command !== 'serve' });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  const log = createLogger(config.logLevel);
  if (command === 'serve') {
    const bridge = await startBridge(config, log);
    // One signal starts a graceful stop (flush, commit, leave the group). Repeats are common — Ctrl-C reaches a
    // whole process group and wrappers such as tsx relay it again — and must not cut that stop short; a stop
    // that hangs is ended after SHUTDOWN_GRACE_MS.
    await new Promise<void>((resolve) => {
      let stopping = false;
      const onSignal = (signal: string) => {
        if (stopping) return void log.warn({ signal }, 'already shutting down');
        stopping = true;
        log.info({ signal }, 'shutting down');
        setTimeout(() => {
          log.error({ graceMs: SHUTDOWN_GRACE_MS }, 'graceful stop took too long; exiting');
          process.exit(1);
        }, SHUTDOWN_GRACE_MS).unref();
        resolve();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    await bridge.stop();
    return 0;
  }
  if (command === 'dead-letters') {
    const queue = new Queue(FORWARD_QUEUE, { connection: { url: config.redis.url }, prefix: config.redis.keyPrefix });
    try {
      const [sub = 'list', ...ids] = rest;
      if (sub === 'list') console.log(JSON.stringify(await listDeadLetters(queue, 50), null, 2));
      else if (sub === 'show') console.log(JSON.stringify(await showDeadLetter(queue, ids[0] ?? usage('usage: dead-letters show <id>')), null, 2));
      else if (sub === 'replay') console.log(JSON.stringify({ replayed: await replayDeadLetters(queue, ids.includes('--all') ? 'all' : ids) }));
      else usage(`unknown dead-letters command ${sub}`);
    } finally {
      await queue.close();
    }
    return 0;
  }
  if (command === 'catalog' || command === 'quarantine') {
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 2 });
    try {
      const minutesAt = rest.indexOf('--minutes');
      if (command === 'catalog') {
        const query = queryMetricCatalog(new RedisMetricCatalog(redis, { keyPrefix: config.redis.keyPrefix }));
        console.log(JSON.stringify(await query({ ...(minutesAt >= 0 ? { minutes: Number(rest[minutesAt + 1]) } : {}) }), null, 2));
      } else {
        const quarantine = new RedisQuarantine(redis, { keyPrefix: config.redis.keyPrefix });
        console.log(JSON.stringify({ total: await quarantine.count(), ...(await quarantine.list({ limit: 20 })) }, null, 2));
      }
    } finally {
      redis.disconnect();
    }
    return 0;
  }
  if (command === 'projections' || command === 'delivery') return runProjectionCommand(command, rest, config, log);
  console.error(`unknown command ${command}; commands: serve, dead-letters, catalog, quarantine, validate-allowlist, projections, delivery`);
  return 2;
}

