import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { allowlistLockKey } from '../redis/metric-keys.js';
import { contentMd5, createNacosClient, scrubbed, type NacosConnectionOptions, type NacosHandle } from './nacos-client.js';

export interface NacosAllowlistPublisherOptions extends NacosConnectionOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  /** Lock lifetime: longer than one read + publish, short enough that a crashed writer frees it soon. */
  readonly lockTtlMs?: number;
  /** How long a writer waits for another writer's lock before giving up with `busy`. */
  readonly lockWaitMs?: number;
}

/** The allowlist as stored; `md5` is Nacos's content md5 and the version used for compare-and-set. */
export interface StoredAllowlist {
  readonly text: string;
  readonly md5: string;
}

/**
 * Outcome of a compare-and-set write. `expectedMd5: null` means "only if the config does not exist yet";
 * `currentMd5: null` means it does not exist.
 */
export type PublishIfUnchangedResult =
  | { readonly status: 'published'; readonly md5: string }
  | { readonly status: 'conflict'; readonly currentMd5: string | null }
  | { readonly status: 'busy' };

// Deletes the lock only if we still hold it (it may have expired and been taken by another writer).
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes the allowlist config to Nacos. Nacos's v1 API has no compare-and-set (the client never sends casMd5,
 * r-nacos ignores it), so `publishIfUnchanged` builds one: read md5 → compare → publish, under a Redis lock
 * (SET NX PX) shared by every replica. It protects against concurrent writers through this service only; an edit
 * in the Nacos console is not serialised, but is seen as a conflict by the next compare.
 */
export class NacosAllowlistPublisher {
  private readonly handle: NacosHandle;
  private readonly lockKey: string;

  constructor(private readonly options: NacosAllowlistPublisherOptions) {
    this.handle = createNacosClient(options);
    this.lockKey = allowlistLockKey(options.keyPrefix, options.group, options.dataId);
  }

  /** The current config, or null when it does not exist (or is empty, which Nacos cannot tell apart). */
  async getAllowlist(): Promise<StoredAllowlist | null> {
    const { dataId, group, password } = this.options;
    const text = await scrubbed(this.handle.client.getConfig(dataId, group, {}), password);
    return text ? { text, md5: contentMd5(text) } : null;
  }

  /** Unconditional write (tests, benchmarks, seeding). Errors are NacosRequestError (scrubbed, retryable). */
  async publishAllowlist(text: string): Promise<{ md5: string }> {
    if (!text) throw new Error('refusing to publish an empty allowlist: Nacos would read it back as missing');
    const { dataId, group, password } = this.options;
    await scrubbed(this.handle.client.publishSingle(dataId, group, text, { unit: '', type: 'yaml' }), password);
    return { md5: contentMd5(text) };
  }

  async publishIfUnchanged(text: string, expectedMd5: string | null): Promise<PublishIfUnchangedResult> {
    const token = randomUUID();
    if (!(await this.acquire(token))) return { status: 'busy' };
    try {
      const current = await this.getAllowlist();
      const currentMd5 = current?.md5 ?? null;
      if (currentMd5 !== expectedMd5) return { status: 'conflict', currentMd5 };
      return { status: 'published', ...(await this.publishAllowlist(text)) };
    } finally {
      await this.options.redis.eval(RELEASE, 1, this.lockKey, token);
    }
  }

  close(): void {
    this.handle.close();
  }

  private async acquire(token: string): Promise<boolean> {
    const ttl = this.options.lockTtlMs ?? 10_000;
    const deadline = Date.now() + (this.options.lockWaitMs ?? 3_000);
    for (;;) {
      if ((await this.options.redis.set(this.lockKey, token, 'PX', ttl, 'NX')) === 'OK') return true;
      if (Date.now() >= deadline) return false;
      await sleep(25 + Math.random() * 25);
    }
  }
}
