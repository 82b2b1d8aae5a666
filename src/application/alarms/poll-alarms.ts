import { alarmDecider, type AlarmCommand } from '../../domain/alarms/alarm-decider.js';
import { alarmStream, type AlarmEvent } from '../../domain/alarms/alarm-events.js';
import { ruleIdMapOf } from '../../domain/alarms/alarm-identity.js';
import { commandAlarmId, DEFAULT_ABSENT_LIMIT, type KnownAlarm, reconcile } from '../../domain/alarms/reconcile.js';
import { handleCommand } from '../event-store/handle-command.js';
import type { AlarmList, AnalysisEngine } from '../ports/analysis-engine.js';
import type { EngineRuleLinks } from '../ports/engine-rule-links.js';
import type { EventStore } from '../ports/event-store.js';
import type { KnownAlarmIndex } from '../ports/known-alarms.js';

/** What one poll did; handed to `onReport` (metrics, log line). */
export interface PollReport {
  readonly pollId: string;
  /** false when the first page of the current list failed: nothing was reconciled. */
  readonly ok: boolean;
  readonly complete: boolean;
  readonly historyComplete: boolean;
  readonly durationMs: number;
  readonly pages: number;
  readonly drift: number;
  readonly firing: number;
  readonly raised: number;
  readonly updated: number;
  readonly resolved: number;
  /** Commands that failed (after the handler's conflict retries); their alarms are retried next poll. */
  readonly failed: number;
  readonly error?: unknown;
}

export interface PollAlarmsDeps {
  readonly engine: Pick<AnalysisEngine, 'listCurrentAlarms' | 'listAlarmHistory'>;
  readonly store: EventStore;
  readonly index: KnownAlarmIndex;
  /**
   * The polled engine's rule links (our rule id → its rule id): an alarm's identity is our rule + its series, so
   * that it stays the same alarm when `engine.kind` changes (alarm-identity.ts).
   */
  readonly ruleLinks: Pick<EngineRuleLinks, 'all'>;
  readonly clock: () => Date;
  readonly newId: () => string;
  /** K: consecutive complete snapshots without an alarm before it is resolved by absence. */
  readonly absentLimit?: number;
  /** History windows start this much before the last one ended: the engine stamps recoveries with data time. */
  readonly historyOverlapMs: number;
  /** A window never reaches further back than this (after a long outage the K rule takes over). */
  readonly maxHistoryWindowMs: number;
  /** Alarms handled at once; one command per alarm per poll, so per-alarm order does not depend on it. */
  readonly concurrency?: number;
  readonly onCommandError?: (err: unknown, alarmId: string) => void;
}

const emptyList: AlarmList = { alarms: [], complete: false, pages: 0, drift: 0 };

/**
 * One poll: read the engine's current alarms and the history since the last poll, reconcile with the known
 * index, run each command through the Alarm decider on its own stream, then write the index back.
 *
 * Crash safety, in write order: (1) alarms about to be raised go into the index first, marked pending, so that
 * an alarm raised just before a crash is still known (and resolved) later; (2) the commands; (3) the index and
 * the history cursor, only for what succeeded. A crash anywhere leaves an index the next poll repairs, because
 * every command is idempotent at the decider.
 */
export async function pollAlarms(deps: PollAlarmsDeps): Promise<PollReport> {
  const started = deps.clock();
  const pollId = deps.newId();
  const base = { pollId, raised: 0, updated: 0, resolved: 0, failed: 0 };
  const elapsed = () => deps.clock().getTime() - started.getTime();
  const [{ known, historyCursorMs }, links] = await Promise.all([deps.index.load(), deps.ruleLinks.all()]);

  let current: AlarmList;
  try {
    current = await deps.engine.listCurrentAlarms();
  } catch (error) {
    return { ...base, ok: false, complete: false, historyComplete: false, durationMs: elapsed(), pages: 1, drift: 0, firing: 0, error };
  }
  const nowMs = started.getTime();
  const from = Math.max((historyCursorMs ?? nowMs) - deps.historyOverlapMs, nowMs - deps.maxHistoryWindowMs);
  // A failed history read teaches nothing new but costs nothing either: absence (K) still resolves.
  const history = await deps.engine.listAlarmHistory({ startMs: from, endMs: nowMs }).catch(() => emptyList);

  const { commands, known: next } = reconcile(
    known,
    { firing: current.alarms, complete: current.complete, history: history.alarms, now: started.toISOString(), ruleIds: ruleIdMapOf(links) },
    deps.absentLimit ?? DEFAULT_ABSENT_LIMIT,
  );

  const pending = new Map<string, KnownAlarm>();
  for (const c of commands) {
    if (c.type !== 'ObserveAlarm') continue;
    const k = known.get(c.data.alarm.id);
    if (k === undefined || k.pending) pending.set(c.data.alarm.id, { alarm: c.data.alarm, absentPolls: 0, pending: true });
  }
  if (pending.size > 0) await deps.index.save({ put: pending, remove: [] });

  const counts = { raised: 0, updated: 0, resolved: 0 };
  const failedIds = new Set<string>();
  const metadata = { pollId, correlationId: pollId, causationId: pollId, actor: 'system' };
  await forEachLimited(commands, deps.concurrency ?? 8, async (command: AlarmCommand) => {
    const id = commandAlarmId(command);
    try {
      const { newEvents } = await handleCommand(deps.store, alarmStream(id), alarmDecider, command, { metadata, retries: 5 });
      for (const e of newEvents as AlarmEvent[]) {
        if (e.type === 'AlarmRaised') counts.raised++;
        else if (e.type === 'AlarmUpdated') counts.updated++;
        else counts.resolved++;
      }
    } catch (err) {
      failedIds.add(id);
      deps.onCommandError?.(err, id);
    }
  });

  const put = new Map<string, KnownAlarm>();
  for (const [id, entry] of next) {
    if (failedIds.has(id)) continue; // keeps the previous (or pending) entry: retried next poll
    const before = known.get(id);
    if (pending.has(id) || before === undefined || before.absentPolls !== entry.absentPolls || before.alarm !== entry.alarm) put.set(id, entry);
  }
  const remove = [...known.keys()].filter((id) => !next.has(id) && !failedIds.has(id));
  // The cursor moves only past a window read completely and acted on completely; otherwise it is read again.
  const advance = history.complete && failedIds.size === 0;
  await deps.index.save({ put, remove, ...(advance ? { historyCursorMs: nowMs } : {}) });

  return {
    ...base,
    ...counts,
    ok: true,
    complete: current.complete,
    historyComplete: history.complete,
    durationMs: elapsed(),
    pages: (current.pages ?? 0) + (history.pages ?? 0),
    drift: current.drift ?? 0,
    firing: current.alarms.length,
    failed: failedIds.size,
  };
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
