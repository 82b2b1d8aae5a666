import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import {
  defaultBudgetPolicy,
  ENGINE_WINDOW_MS,
  paceWindowMs,
  provisionalBoundMs,
  type BudgetPolicy,
} from '../../application/engine-guard/budget-policy.js';
import { createEngineBudget, type EngineBudgetOptions } from '../../application/engine-guard/queued-engine-budget.js';
import type { BudgetAttempt, BudgetStore, CallClass, CallOutcome, EngineBudget } from '../../application/ports/engine-budget.js';
import { engineBudgetKeys } from './redis-engine-guard-keys.js';
import { ACQUIRE_LUA, CONFIRM_LUA, PEEK_LUA, RELEASE_LUA, REPORT_LUA } from './redis-engine-budget-scripts.js';

export interface RedisEngineBudgetOptions extends EngineBudgetOptions {
  /** Separates deployments sharing one Redis; every replica of one fleet must use the same prefix and policy. */
  readonly keyPrefix?: string;
  readonly policy?: BudgetPolicy;
}

type Arg = string | number;
/** The commands `defineCommand` adds; names are prefixed so they cannot clash with other modules' scripts. */
interface BudgetCommands {
  aiopsEngineBudgetAcquire(grants: string, state: string, ...args: Arg[]): Promise<[number, number]>;
  aiopsEngineBudgetReport(state: string, ...args: Arg[]): Promise<string>;
  aiopsEngineBudgetPeek(grants: string, state: string, ...args: Arg[]): Promise<[string, number, number]>;
  aiopsEngineBudgetRelease(grants: string, state: string, ...args: Arg[]): Promise<number>;
  aiopsEngineBudgetConfirm(grants: string, ...args: Arg[]): Promise<number>;
}

/** The shared state lives this long after its last write: an idle fleet starts again from the cap. */
const STATE_TTL_MS = 24 * 3600 * 1000;

/** Atomic fleet-wide budget state in Redis; each method is one Lua script (one round trip). */
export const createRedisBudgetStore = (redis: Redis | Cluster, options: RedisEngineBudgetOptions = {}): BudgetStore => {
  const p = options.policy ?? defaultBudgetPolicy;
  const keys = engineBudgetKeys(options.keyPrefix ?? 'aiops:');
  redis.defineCommand('aiopsEngineBudgetAcquire', { numberOfKeys: 2, lua: ACQUIRE_LUA });
  redis.defineCommand('aiopsEngineBudgetReport', { numberOfKeys: 1, lua: REPORT_LUA });
  redis.defineCommand('aiopsEngineBudgetPeek', { numberOfKeys: 2, lua: PEEK_LUA });
  redis.defineCommand('aiopsEngineBudgetRelease', { numberOfKeys: 2, lua: RELEASE_LUA });
  redis.defineCommand('aiopsEngineBudgetConfirm', { numberOfKeys: 1, lua: CONFIRM_LUA });
  const cmd = redis as unknown as BudgetCommands;
  const windowUs = ENGINE_WINDOW_MS * 1000;
  const provisionalUs = provisionalBoundMs(p) * 1000;
  const paceWindowUs = paceWindowMs(p) * 1000;
  const grantsTtlMs = ENGINE_WINDOW_MS + provisionalBoundMs(p) + 1000;

  return {
    async tryAcquire(cls: CallClass): Promise<BudgetAttempt> {
      const token = randomUUID();
      const [granted, value] = await cmd.aiopsEngineBudgetAcquire(
        keys.grants, keys.state, cls, token, p.capPerSecond, p.minRate, windowUs,
        p.reserveShare.interactive, p.reserveShare.poll, p.demandTtlMs, STATE_TTL_MS, p.bulkBurst, provisionalUs, paceWindowUs,
      );
      return granted === 1 ? { granted: true, token, grantedAtMs: value / 1000 } : { granted: false, waitMs: value };
    },
    async release(cls: CallClass, token: string): Promise<void> {
      await cmd.aiopsEngineBudgetRelease(keys.grants, keys.state, token, cls, p.capPerSecond, p.minRate, paceWindowUs);
    },
    async confirm(token: string, latestArrivalMs: number): Promise<void> {
      await cmd.aiopsEngineBudgetConfirm(keys.grants, token, Math.ceil(latestArrivalMs * 1000), windowUs, grantsTtlMs);
    },
    async report(o: CallOutcome): Promise<void> {
      const l = p.latency;
      await cmd.aiopsEngineBudgetReport(
        keys.state, o.cls, o.result, o.latencyMs ?? '', o.retryAfterMs === undefined ? '' : Math.min(o.retryAfterMs, p.maxRetryAfterMs),
        p.capPerSecond, p.minRate,
        p.decreaseFactor, p.latencyDecreaseFactor, p.decreaseCooldownMs, p.increasePerSecond,
        l.shortAlpha, l.longAlpha, l.riseFactor, l.ceilingMs, l.minSamples, STATE_TTL_MS, l.minRiseMs,
      );
    },
    async snapshot() {
      const [rate, inWindow, blockedForMs] = await cmd.aiopsEngineBudgetPeek(keys.grants, keys.state, p.capPerSecond, p.minRate, windowUs);
      return { rate: Number(rate), inWindow, blockedForMs };
    },
  };
};

/**
 * The fleet-wide engine budget on Redis (standalone, Sentinel or Cluster); `redis` may be shared with other
 * modules. Every replica of one fleet must use the same `keyPrefix` and policy.
 */
export const createRedisEngineBudget = (redis: Redis | Cluster, options: RedisEngineBudgetOptions = {}): EngineBudget =>
  createEngineBudget(createRedisBudgetStore(redis, options), { validityMs: (options.policy ?? defaultBudgetPolicy).validityMs, ...options });
