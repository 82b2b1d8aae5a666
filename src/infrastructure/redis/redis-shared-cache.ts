import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { SharedCache } from '../../application/ports/shared-cache.js';

// Deletes the lease only if we still hold it (it may have expired and been taken by another replica).
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** SharedCache on Redis: values under `<prefix>:cache:<key>` (PX), leases under `<prefix>:cache-lease:<key>` (SET NX PX). */
export class RedisSharedCache implements SharedCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get(key: string): Promise<string | null> {
    return this.redis.get(this.valueKey(key));
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.valueKey(key), value, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async lease(key: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    return (await this.redis.set(this.leaseKey(key), token, 'PX', ttlMs, 'NX')) === 'OK' ? token : null;
  }

  async release(key: string, token: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.leaseKey(key), token);
  }

  async leased(key: string): Promise<boolean> {
    return (await this.redis.exists(this.leaseKey(key))) === 1;
  }

  private valueKey(key: string): string {
    return `${this.prefix}:cache:${key}`;
  }

  private leaseKey(key: string): string {
    return `${this.prefix}:cache-lease:${key}`;
  }
}
