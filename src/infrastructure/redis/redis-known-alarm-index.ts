import type { Redis } from 'ioredis';
import type { KnownAlarmIndex } from '../../application/ports/known-alarms.js';
import type { KnownAlarm } from '../../domain/alarms/reconcile.js';
import { alarmPollKeys } from './alarm-poll-keys.js';

const isKnownAlarm = (v: unknown): v is KnownAlarm => {
  if (typeof v !== 'object' || v === null) return false;
  const k = v as Record<string, unknown>;
  const a = k.alarm as Record<string, unknown> | null | undefined;
  return typeof k.absentPolls === 'number' && typeof a === 'object' && a !== null && typeof a.id === 'string' && typeof a.startsAt === 'string';
};

/** The known-alarm index as one Redis hash (alarm id → JSON) plus the history cursor. */
export class RedisKnownAlarmIndex implements KnownAlarmIndex {
  private readonly keys: ReturnType<typeof alarmPollKeys>;

  constructor(
    private readonly redis: Redis,
    options: { readonly keyPrefix: string; readonly onCorrupt?: (alarmId: string) => void },
  ) {
    this.keys = alarmPollKeys(options.keyPrefix);
    this.onCorrupt = options.onCorrupt;
  }

  private readonly onCorrupt: ((alarmId: string) => void) | undefined;

  async load(): Promise<{ known: Map<string, KnownAlarm>; historyCursorMs: number | null }> {
    const [entries, cursor] = await Promise.all([this.redis.hgetall(this.keys.known), this.redis.get(this.keys.historyCursor)]);
    const known = new Map<string, KnownAlarm>();
    for (const [id, json] of Object.entries(entries)) {
      // An unreadable entry costs only itself: the alarm is observed afresh the next time a snapshot shows it.
      let parsed: unknown;
      try {
        parsed = JSON.parse(json);
      } catch {
        parsed = undefined;
      }
      if (isKnownAlarm(parsed) && parsed.alarm.id === id) known.set(id, parsed);
      else this.onCorrupt?.(id);
    }
    const ms = cursor === null ? NaN : Number(cursor);
    return { known, historyCursorMs: Number.isFinite(ms) ? ms : null };
  }

  async save(change: { put: ReadonlyMap<string, KnownAlarm>; remove: readonly string[]; historyCursorMs?: number }): Promise<void> {
    const tx = this.redis.multi();
    if (change.put.size > 0) tx.hset(this.keys.known, Object.fromEntries([...change.put].map(([id, k]) => [id, JSON.stringify(k)])));
    if (change.remove.length > 0) tx.hdel(this.keys.known, ...change.remove);
    if (change.historyCursorMs !== undefined) tx.set(this.keys.historyCursor, String(change.historyCursorMs));
    if (change.put.size === 0 && change.remove.length === 0 && change.historyCursorMs === undefined) return;
    const results = await tx.exec();
    const failed = results?.find(([err]) => err !== null);
    if (results === null || failed) throw failed?.[0] ?? new Error('known-alarm index: transaction aborted');
  }
}
