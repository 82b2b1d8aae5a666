import type { Cluster, Redis } from 'ioredis';
import type { Lease } from '../../application/ports/lease.js';

export interface RedisLeaseOptions {
  /** Separates deployments (and tests) sharing one Redis; ends with ':' by convention (as the event store's). */
  readonly keyPrefix: string;
}

// Renew and release compare the owner first: a lease that lapsed and was taken by another replica is never
// extended or deleted by its former owner. Acquire is SET NX PX, or a renewal when the caller already holds it.
const ACQUIRE_LUA = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0`;
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

interface LeaseCommands {
  aiopsLeaseAcquire(key: string, owner: string, ttlMs: number): Promise<number>;
  aiopsLeaseRenew(key: string, owner: string, ttlMs: number): Promise<number>;
  aiopsLeaseRelease(key: string, owner: string): Promise<number>;
}

/** `Lease` on Redis: one string key per lease, value = owner, PX = TTL. */
export class RedisLease implements Lease {
  private readonly cmd: LeaseCommands;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: RedisLeaseOptions,
  ) {
    redis.defineCommand('aiopsLeaseAcquire', { numberOfKeys: 1, lua: ACQUIRE_LUA });
    redis.defineCommand('aiopsLeaseRenew', { numberOfKeys: 1, lua: RENEW_LUA });
    redis.defineCommand('aiopsLeaseRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    this.cmd = redis as unknown as LeaseCommands;
  }

  private key(name: string): string {
    return `${this.options.keyPrefix}lease:${name}`;
  }

  async acquire(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.cmd.aiopsLeaseAcquire(this.key(name), owner, Math.ceil(ttlMs))) === 1;
  }

  async renew(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.cmd.aiopsLeaseRenew(this.key(name), owner, Math.ceil(ttlMs))) === 1;
  }

  async release(name: string, owner: string): Promise<void> {
    await this.cmd.aiopsLeaseRelease(this.key(name), owner);
  }

  async holder(name: string): Promise<string | null> {
    return this.redis.get(this.key(name));
  }
}
