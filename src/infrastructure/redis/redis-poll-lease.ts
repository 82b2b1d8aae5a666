import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { PollClaim, PollLease } from '../../application/ports/poll-lease.js';
import { alarmPollKeys } from './alarm-poll-keys.js';

/**
 * One poll per interval for the whole fleet, on Redis's clock (replicas' clocks may disagree; Redis has one).
 * The tick is floor(redisNowMs / intervalMs): a claim succeeds when no poll is running (the `running` lease) and
 * this tick is newer than the last one claimed. A poll still running at the next boundary delays that tick's
 * poll (the next check after it ends, within the same tick) rather than overlapping it.
 */
const CLAIM_LUA = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tick = math.floor(nowMs / interval)
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tick <= last then return -2 end
redis.call('SET', KEYS[1], tick, 'PX', interval * 20)
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return tick
`;

/** Compare-and-act on the running lease: only its holder renews or releases it. */
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`;

interface LeaseCommands {
  aiopsPollClaim(tick: string, running: string, intervalMs: number, token: string, leaseMs: number): Promise<number>;
  aiopsPollRenew(running: string, token: string, leaseMs: number): Promise<number>;
  aiopsPollRelease(running: string, token: string): Promise<number>;
}

export interface RedisPollLeaseOptions {
  readonly keyPrefix: string;
  readonly intervalMs: number;
  /** How long a claimed poll holds the fleet off without renewing (a dead replica's cost). */
  readonly leaseMs: number;
}

export class RedisPollLease implements PollLease {
  private readonly keys: ReturnType<typeof alarmPollKeys>;
  private readonly cmd: LeaseCommands;

  constructor(
    redis: Redis,
    private readonly options: RedisPollLeaseOptions,
  ) {
    this.keys = alarmPollKeys(options.keyPrefix);
    if (!('aiopsPollClaim' in redis)) {
      redis.defineCommand('aiopsPollClaim', { numberOfKeys: 2, lua: CLAIM_LUA });
      redis.defineCommand('aiopsPollRenew', { numberOfKeys: 1, lua: RENEW_LUA });
      redis.defineCommand('aiopsPollRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    }
    this.cmd = redis as unknown as LeaseCommands;
  }

  async claim(): Promise<PollClaim | null> {
    const token = randomUUID();
    const { intervalMs, leaseMs } = this.options;
    const tick = Number(await this.cmd.aiopsPollClaim(this.keys.tick, this.keys.running, intervalMs, token, leaseMs));
    if (tick < 0) return null;
    return {
      tick,
      renew: async () => (await this.cmd.aiopsPollRenew(this.keys.running, token, leaseMs)) === 1,
      release: async () => void (await this.cmd.aiopsPollRelease(this.keys.running, token)),
    };
  }
}
