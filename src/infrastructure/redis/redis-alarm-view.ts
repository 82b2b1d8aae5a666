import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { alarmJsonText } from '../../application/alarms/alarm-view-json.js';
import type { AlarmJsonPage, AlarmPage, AlarmQuery, AlarmViewDoc, AlarmViewStore } from '../../application/ports/alarm-view-store.js';
import type { AlarmView } from '../../domain/alarms/alarm-events.js';
import { DOC_FIELDS, JSON_FIELDS, docFrom, jsonFrom, rows } from './redis-alarm-view-fields.js';
import { CLEAR_LUA, QUERY_LUA, UPSERT_LUA } from './redis-alarm-view-scripts.js';

export interface RedisAlarmViewOptions {
  /** Separates deployments (and tests) sharing one Redis; ends with ':' by convention (as the event store's). */
  readonly keyPrefix: string;
  /**
   * Most index members a query looks at per page (filters checked against the smallest index, text matched)
   * before it returns a short page with a cursor.
   */
  readonly scanBudget?: number;
}

interface ViewCommands {
  aiopsAlarmViewUpsert(all: string, ...argv: string[]): Promise<number>;
  aiopsAlarmViewQuery(all: string, ...argv: string[]): Promise<[string[], string[]]>;
  aiopsAlarmViewQueryBuffer(all: string, ...argv: string[]): Promise<[Buffer[], Buffer[]]>;
  aiopsAlarmViewClear(all: string, base: string): Promise<number>;
}

const MAX_LIMIT = 500;
const limitOf = (requested: number | undefined): number => Math.min(MAX_LIMIT, Math.max(1, Math.floor(requested ?? 50)));
const pad = (iso: string): string => {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a time: ${iso}`);
  return String(ms).padStart(15, '0');
};
// Index names carry user data (metric names, tag values): encoded so that '\n', '=' and ':' stay delimiters.
const enc = encodeURIComponent;
const indexesOf = (a: AlarmView): string[] => [
  'all',
  `status:${a.status}`,
  `severity:${a.severity}`,
  `metric:${enc(a.metric)}`,
  `rule:${enc(a.ruleId)}`,
  ...Object.entries(a.tags).map(([k, v]) => `tag:${enc(k)}=${enc(v)}`),
];
const textOf = (a: AlarmView): string =>
  [a.id, a.summary, a.ruleName, a.metric, ...Object.entries(a.tags).map(([k, v]) => `${k}=${v}`)].join('\n').toLowerCase();
const encodeCursor = (member: string): string => Buffer.from(member).toString('base64url');

/** The cursor after a page: its last member when there is one more, else where the walk stopped (null at the end). */
const nextOf = (out: readonly (string | Buffer)[], requested: number | undefined): string | null => {
  const limit = limitOf(requested);
  // out = members…, stop; only the one member that becomes the cursor is decoded.
  const next = out.length - 1 > limit ? out[limit - 1] : out[out.length - 1];
  return next && next.length > 0 ? encodeCursor(String(next)) : null;
};
const decodeCursor = (cursor: string): string => {
  const member = Buffer.from(cursor, 'base64url').toString();
  if (!/^\d{15}\|./.test(member)) throw new RangeError('invalid cursor');
  return member;
};

/**
 * The `alarm-view` read model in Redis, laid out for its queries (see redis-alarm-view-scripts.ts): one hash per
 * alarm and one sorted set per index value (status, severity, metric, rule, each tag k=v, all). Combined filters
 * walk the smallest index and check the others per member (redis-alarm-view-scripts.ts); every query looks at
 * most `scanBudget` members per page, so a rare combination or a text search gives a short page with a cursor.
 */
export class RedisAlarmView implements AlarmViewStore {
  private readonly base: string;
  private readonly all: string;
  private readonly cmd: ViewCommands;
  private readonly budget: number;

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisAlarmViewOptions,
  ) {
    this.base = `{${options.keyPrefix}alarm-view}:`;
    this.all = `${this.base}i:all`;
    this.budget = options.scanBudget ?? 5_000;
    redis.defineCommand('aiopsAlarmViewUpsert', { numberOfKeys: 1, lua: UPSERT_LUA });
    redis.defineCommand('aiopsAlarmViewQuery', { numberOfKeys: 1, lua: QUERY_LUA });
    redis.defineCommand('aiopsAlarmViewClear', { numberOfKeys: 1, lua: CLEAR_LUA });
    this.cmd = redis as unknown as ViewCommands;
  }

  async upsert(docs: readonly AlarmViewDoc[]): Promise<void> {
    if (docs.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const d of docs) {
      const a = d.alarm;
      const member = `${pad(a.startsAt)}|${a.id}`;
      const resolvedMs = a.resolvedAt ? String(Date.parse(a.resolvedAt)) : '';
      (pipeline as unknown as ViewCommands).aiopsAlarmViewUpsert(
        this.all, this.base, a.id, String(d.version), alarmJsonText(d), d.lastEventId, d.lastEventType, member, indexesOf(a).join('\n'), resolvedMs, textOf(a),
      );
    }
    const failed = ((await pipeline.exec()) ?? []).find(([err]) => err);
    if (failed?.[0]) throw failed[0];
  }

  async get(alarmId: string): Promise<AlarmViewDoc | null> {
    return docFrom(await this.redis.hmget(`${this.base}h:${alarmId}`, ...DOC_FIELDS));
  }

  async query(q: AlarmQuery): Promise<AlarmPage> {
    const [out, values] = await this.cmd.aiopsAlarmViewQuery(...this.pageArgs(q, DOC_FIELDS));
    return { items: rows(values, DOC_FIELDS.length, docFrom), next: nextOf(out, q.limit) };
  }

  async queryJson(q: AlarmQuery): Promise<AlarmJsonPage> {
    // As bytes: the JSON goes from Redis to the socket without a UTF-8 decode and encode (the bench's hot route).
    const [out, values] = await this.cmd.aiopsAlarmViewQueryBuffer(...this.pageArgs(q, JSON_FIELDS));
    return { items: rows(values, JSON_FIELDS.length, jsonFrom), next: nextOf(out, q.limit) };
  }

  /** The query script's arguments; it returns { members…, stop } and `fields` of each alarm on the page (flat). */
  private pageArgs(q: AlarmQuery, fields: readonly string[]): [string, ...string[]] {
    const limit = limitOf(q.limit);
    const indexes = [
      ...(q.status ? [`status:${q.status}`] : []),
      ...(q.severity ? [`severity:${q.severity}`] : []),
      ...(q.metric ? [`metric:${enc(q.metric)}`] : []),
      ...(q.ruleId ? [`rule:${enc(q.ruleId)}`] : []),
      ...Object.entries(q.tags ?? {}).map(([k, v]) => `tag:${enc(k)}=${enc(v)}`),
    ];
    const max = q.cursor ? `(${decodeCursor(q.cursor)}` : q.to ? `(${pad(q.to)}` : '+';
    const min = q.from ? `[${pad(q.from)}` : '-';
    const text = (q.text ?? '').toLowerCase();
    return [this.all, this.base, max, min, String(limit), text, String(Math.max(this.budget, limit + 1)), fields.join('\n'), String(indexes.length), ...indexes];
  }


  async firingAndResolvedSince(resolvedSince: Date): Promise<AlarmView[]> {
    const firing = (await this.redis.zrange(`${this.base}i:status:firing`, 0, -1)).map((m) => m.slice(16));
    const resolved = await this.redis.zrangebyscore(`${this.base}resolved-at`, resolvedSince.getTime(), '+inf');
    return (await this.docs([...firing, ...resolved])).map((d) => d.alarm);
  }

  async clear(): Promise<void> {
    await this.cmd.aiopsAlarmViewClear(this.all, this.base);
  }

  async digest(): Promise<string> {
    const hash = createHash('sha256');
    const names = (await this.redis.smembers(`${this.base}indexes`)).sort();
    for (const name of names) hash.update(`i:${name}\n${(await this.redis.zrange(`${this.base}i:${name}`, 0, -1)).join('\n')}\n`);
    hash.update(`resolved-at\n${(await this.redis.zrange(`${this.base}resolved-at`, 0, -1, 'WITHSCORES')).join('\n')}\n`);
    const ids = (await this.redis.zrange(this.all, 0, -1)).map((m) => m.slice(16)).sort();
    for (const id of ids) {
      const h = await this.redis.hgetall(`${this.base}h:${id}`);
      hash.update(`h:${id}\n${Object.keys(h).sort().map((k) => `${k}=${h[k]}`).join('\n')}\n`);
    }
    return hash.digest('hex');
  }

  private async docs(ids: readonly string[]): Promise<AlarmViewDoc[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(`${this.base}h:${id}`, ...DOC_FIELDS);
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([err, row]) => {
      const doc = err ? null : docFrom(row as (string | null)[]);
      return doc ? [doc] : [];
    });
  }
}
