import type { Cluster, Redis } from 'ioredis';
import type { DeliveryDeadLetter, DeliveryDeadLetters, SinkState, SinkSwitch } from '../../application/ports/delivery-control.js';

export interface RedisDeliveryControlOptions {
  /** Separates deployments (and tests) sharing one Redis; ends with ':' by convention. */
  readonly keyPrefix: string;
}

// Per sink: a hash eventId → entry JSON and a sorted set eventId → first dead-letter time (the listing order).
const ADD_LUA = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
return 1`;
const REMOVE_LUA = `
redis.call('ZREM', KEYS[2], ARGV[1])
return redis.call('HDEL', KEYS[1], ARGV[1])`;

interface Commands {
  aiopsDlqAdd(entries: string, order: string, eventId: string, json: string, atMs: number): Promise<number>;
  aiopsDlqRemove(entries: string, order: string, eventId: string): Promise<number>;
}

/** Delivery dead letters in Redis, one hash + one order set per sink, in one slot (`{<prefix>delivery:<sink>}`). */
export class RedisDeliveryDeadLetters implements DeliveryDeadLetters {
  private readonly cmd: Commands;

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly options: RedisDeliveryControlOptions,
  ) {
    redis.defineCommand('aiopsDlqAdd', { numberOfKeys: 2, lua: ADD_LUA });
    redis.defineCommand('aiopsDlqRemove', { numberOfKeys: 2, lua: REMOVE_LUA });
    this.cmd = redis as unknown as Commands;
  }

  private keys(sink: string): [string, string] {
    const tag = `{${this.options.keyPrefix}delivery:${sink}}`;
    return [`${tag}:dead-letters`, `${tag}:dead-letters:order`];
  }

  async add(entry: DeliveryDeadLetter): Promise<void> {
    await this.cmd.aiopsDlqAdd(...this.keys(entry.sink), entry.event.id, JSON.stringify(entry), Date.parse(entry.at) || Date.now());
  }

  async list(sink: string, limit: number): Promise<DeliveryDeadLetter[]> {
    const [entries, order] = this.keys(sink);
    const ids = await this.redis.zrange(order, 0, Math.max(1, limit) - 1);
    if (ids.length === 0) return [];
    const rows = await this.redis.hmget(entries, ...ids);
    return rows.flatMap((r) => (r === null ? [] : [JSON.parse(r) as DeliveryDeadLetter]));
  }

  async count(sink: string): Promise<number> {
    return this.redis.zcard(this.keys(sink)[1]);
  }

  async remove(sink: string, eventId: string): Promise<boolean> {
    return (await this.cmd.aiopsDlqRemove(...this.keys(sink), eventId)) === 1;
  }
}

/** The fleet-wide sink switch: one hash, sink → JSON of why and when it was disabled. */
export class RedisSinkSwitch implements SinkSwitch {
  private readonly key: string;

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisDeliveryControlOptions,
  ) {
    this.key = `${options.keyPrefix}delivery:disabled-sinks`;
  }

  async state(sink: string): Promise<SinkState> {
    const raw = await this.redis.hget(this.key, sink);
    return raw === null ? { disabled: false } : { disabled: true, ...(JSON.parse(raw) as { reason: string; at: string }) };
  }

  async disable(sink: string, reason: string, at: string): Promise<void> {
    await this.redis.hset(this.key, sink, JSON.stringify({ reason, at }));
  }

  async enable(sink: string): Promise<void> {
    await this.redis.hdel(this.key, sink);
  }
}
