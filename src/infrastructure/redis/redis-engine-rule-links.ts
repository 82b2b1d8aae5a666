import type { Redis } from 'ioredis';
import type { EngineRuleLinks } from '../../application/ports/engine-rule-links.js';

/** One Redis hash, `<prefix>:rule-engine-ids`: our rule id → engine rule id. */
export class RedisEngineRuleLinks implements EngineRuleLinks {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:rule-engine-ids`;
  }

  async all(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.key)));
  }

  async set(ruleId: string, engineRuleId: string): Promise<void> {
    await this.redis.hset(this.key, ruleId, engineRuleId);
  }

  async remove(ruleId: string): Promise<void> {
    await this.redis.hdel(this.key, ruleId);
  }
}
