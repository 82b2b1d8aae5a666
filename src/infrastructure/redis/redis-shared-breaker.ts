import type { Cluster, Redis } from 'ioredis';
import {
  createSharedCircuitBreaker,
  type SharedCircuitBreakerOptions,
} from '../../application/engine-guard/shared-circuit-breaker.js';
import type { EngineBreaker, SharedBreakerCheck, SharedBreakerStore } from '../../application/ports/engine-breaker.js';
import { engineBreakerKeys } from './redis-engine-guard-keys.js';
import { CHECK_LUA, SETTLE_LUA, TRIP_LUA } from './redis-shared-breaker-scripts.js';

export interface RedisSharedBreakerOptions extends SharedCircuitBreakerOptions {
  readonly keyPrefix?: string;
  /**
   * Longest a half-open probe may hold the fleet's single lease; if the prober dies, another replica probes
   * after this. Set it above the longest engine call (adapter timeout × requests per call).
   */
  readonly probeLeaseMs?: number;
}

interface BreakerCommands {
  aiopsEngineBreakerCheck(open: string, tripped: string, probe: string, token: string, leaseMs: number): Promise<[string, number]>;
  aiopsEngineBreakerTrip(open: string, tripped: string, openMs: number): Promise<number>;
  aiopsEngineBreakerSettle(open: string, tripped: string, probe: string, token: string, healthy: string, openMs: number): Promise<number>;
}

export const createRedisBreakerStore = (redis: Redis | Cluster, options: RedisSharedBreakerOptions = {}): SharedBreakerStore => {
  const k = engineBreakerKeys(options.keyPrefix ?? 'aiops:', options.name ?? 'engine');
  const leaseMs = options.probeLeaseMs ?? 30_000;
  redis.defineCommand('aiopsEngineBreakerCheck', { numberOfKeys: 3, lua: CHECK_LUA });
  redis.defineCommand('aiopsEngineBreakerTrip', { numberOfKeys: 2, lua: TRIP_LUA });
  redis.defineCommand('aiopsEngineBreakerSettle', { numberOfKeys: 3, lua: SETTLE_LUA });
  const cmd = redis as unknown as BreakerCommands;
  return {
    async check(probeToken?: string): Promise<SharedBreakerCheck> {
      const [state, ms] = await cmd.aiopsEngineBreakerCheck(k.open, k.tripped, k.probe, probeToken ?? '', leaseMs);
      switch (state) {
        case 'open':
          return { state: 'open', retryAfterMs: ms };
        case 'closed':
          return { state: 'closed' };
        case 'probe':
          return { state: 'half_open', probe: true, retryAfterMs: 0 };
        default:
          return { state: 'half_open', probe: false, retryAfterMs: ms };
      }
    },
    async trip(openMs: number): Promise<void> {
      await cmd.aiopsEngineBreakerTrip(k.open, k.tripped, openMs);
    },
    async settleProbe(probeToken: string, healthy: boolean, openMs: number): Promise<void> {
      await cmd.aiopsEngineBreakerSettle(k.open, k.tripped, k.probe, probeToken, healthy ? '1' : '0', openMs);
    },
  };
};

/**
 * The engine breaker with its state shared through Redis: an open circuit stops every replica, and only one
 * half-open probe at a time runs across the fleet. Call `stop()` on shutdown (it ends the background refresh).
 */
export const createRedisSharedBreaker = (redis: Redis | Cluster, options: RedisSharedBreakerOptions = {}): EngineBreaker =>
  createSharedCircuitBreaker(createRedisBreakerStore(redis, options), options);
