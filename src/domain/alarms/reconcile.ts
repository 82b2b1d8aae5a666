import type { EngineAlarm } from '../alarm.js';
import type { AlarmCommand } from './alarm-decider.js';
import { changesBetween } from './alarm-decider.js';
import type { AlarmView } from './alarm-events.js';
import { alarmIdOf, EMPTY_RULE_ID_MAP, engineAlarmIdentity, type RuleIdMap, ruleOf } from './alarm-identity.js';

/**
 * Reconcile what we believe is firing with one poll of the engine → at most one command per alarm, and what we
 * believe after it. Pure: the poller loads `known` from its index, runs the commands through the decider, and
 * stores the returned `known`.
 *
 * Rules (docs/architecture.md, "Flow 2"):
 * - seen firing → ObserveAlarm when it is new to us or its severity, value or summary changed;
 * - the engine's history says it recovered → ResolveAlarm(engine_recovered) at the engine's recover time; a
 *   recovery is a positive statement by the engine, so it counts whatever the completeness of either read;
 * - missing from a COMPLETE snapshot → one more absence; ResolveAlarm(absent_from_snapshots) at the K-th
 *   consecutive one; an INCOMPLETE snapshot neither counts nor resolves (it may have skipped the alarm), but a
 *   sighting in one still resets the count (the alarm is certainly firing).
 */
export interface KnownAlarm {
  readonly alarm: AlarmView;
  /** Consecutive complete snapshots that did not show it. Lives in the index so that it survives any replica. */
  readonly absentPolls: number;
  /** Written before its first command ran: not proven to be in the store yet, so it is observed again. */
  readonly pending?: boolean;
}

export interface AlarmSnapshot {
  /** `listCurrentAlarms().alarms`. */
  readonly firing: readonly EngineAlarm[];
  readonly complete: boolean;
  /** `listAlarmHistory` over the window since the last poll; only its recovered entries are used. */
  readonly history: readonly EngineAlarm[];
  /** When this poll ran, ISO-8601 UTC. */
  readonly now: string;
  /** The polled engine's rule ids → ours (its rule links); none: every rule counts as the engine's own. */
  readonly ruleIds?: RuleIdMap;
}

export interface Reconciliation {
  readonly commands: AlarmCommand[];
  readonly known: Map<string, KnownAlarm>;
}

/**
 * K = 3 by default: see docs/architecture.md. Resolution by absence is the fallback (the engine's history
 * normally says first); three complete snapshots in a row (30 s at the default interval) make an undetected
 * paging miss (a removal and an insertion cancelling out mid-read) an unlikely reason to resolve.
 */
export const DEFAULT_ABSENT_LIMIT = 3;

const ms = Date.parse;

/** Our view of an engine alarm, keyed by its fingerprint, naming our rule when the engine's is linked to one. */
export function alarmViewOf(a: EngineAlarm, ruleIds: RuleIdMap = EMPTY_RULE_ID_MAP): AlarmView {
  const identity = engineAlarmIdentity(a, ruleIds);
  return {
    id: alarmIdOf(identity),
    engineAlarmId: a.alarmId.trim() === '' ? null : a.alarmId,
    ruleId: identity.rule.id,
    ruleName: a.ruleName,
    metric: a.metric,
    tags: a.tags,
    severity: a.level,
    status: a.status,
    value: a.value,
    summary: a.summary,
    startsAt: a.firstSeenAt,
    lastSeenAt: a.lastSeenAt,
    resolvedAt: a.resolvedAt ?? null,
  };
}

/**
 * Known alarms as the identity sees them today. A known alarm keeps the id it was raised under until it resolves:
 * one raised by an earlier version (id from the engine's alarm id, the engine's rule id in the view) or under a
 * rule since unlinked is found again by its rule + series (`alias`: today's id → the id it is known by), and its
 * view is rewritten to name our rule, so that it is still found after the rule links change with an engine switch.
 */
function normaliseKnown(known: ReadonlyMap<string, KnownAlarm>, ruleIds: RuleIdMap) {
  const entries = new Map<string, KnownAlarm>();
  const alias = new Map<string, string>();
  for (const [id, k] of known) {
    const rule = ruleOf(k.alarm.ruleId, ruleIds);
    const entry = rule.id === k.alarm.ruleId ? k : { ...k, alarm: { ...k.alarm, ruleId: rule.id } };
    entries.set(id, entry);
    const today = alarmIdOf({ rule, metric: k.alarm.metric, tags: k.alarm.tags });
    if (today === id || known.has(today)) continue;
    const other = alias.get(today);
    // Two old episodes of one series (an engine that gave each its own id): the later start is the live one.
    if (other === undefined || ms(k.alarm.startsAt) > ms((known.get(other) as KnownAlarm).alarm.startsAt)) alias.set(today, id);
  }
  return { entries, alias };
}

/** Two entries with one identity (one rule, one series): the later observation wins. */
function byId(alarms: readonly EngineAlarm[], status: EngineAlarm['status'], ruleIds: RuleIdMap, alias: ReadonlyMap<string, string>): Map<string, AlarmView> {
  const out = new Map<string, AlarmView>();
  for (const a of alarms) {
    if (a.status !== status || (status === 'resolved' && a.resolvedAt === undefined)) continue;
    const fresh = alarmViewOf(a, ruleIds);
    const knownAs = alias.get(fresh.id);
    const v = knownAs === undefined ? fresh : { ...fresh, id: knownAs };
    const prev = out.get(v.id);
    if (prev === undefined || Date.parse(v.lastSeenAt) >= Date.parse(prev.lastSeenAt)) out.set(v.id, v);
  }
  return out;
}

export function reconcile(before: ReadonlyMap<string, KnownAlarm>, snapshot: AlarmSnapshot, absentLimit = DEFAULT_ABSENT_LIMIT): Reconciliation {
  const metadata = { now: snapshot.now };
  const ruleIds = snapshot.ruleIds ?? EMPTY_RULE_ID_MAP;
  const { entries: known, alias } = normaliseKnown(before, ruleIds);
  const seen = byId(snapshot.firing, 'firing', ruleIds, alias);
  const recovered = byId(snapshot.history, 'resolved', ruleIds, alias);
  const commands: AlarmCommand[] = [];
  const next = new Map<string, KnownAlarm>();
  const handled = new Set<string>();

  for (const [id, r] of recovered) {
    const resolvedAt = r.resolvedAt as string;
    const k = known.get(id);
    const s = seen.get(id);
    // One series, successive episodes: a recovery is about the episode we know of, when we know one (it ended,
    // even if the next one already fires: that one is raised at the next poll, on the same stream); a recovery
    // older than the episode we know, or than the one firing, is not about it (the history windows overlap).
    const episodeStart = k?.alarm.startsAt ?? s?.startsAt ?? r.startsAt;
    if (ms(resolvedAt) < ms(episodeStart)) continue;
    commands.push({ type: 'ResolveAlarm', data: { alarmId: id, reason: 'engine_recovered', resolvedAt, alarm: s ?? k?.alarm ?? r }, metadata });
    handled.add(id);
  }

  for (const [id, s] of seen) {
    if (handled.has(id)) continue;
    handled.add(id);
    const k = known.get(id);
    const mustObserve = k === undefined || k.pending === true || changesBetween(k.alarm, s).length > 0;
    if (mustObserve) commands.push({ type: 'ObserveAlarm', data: { alarm: s }, metadata });
    next.set(id, { alarm: k === undefined || mustObserve ? s : k.alarm, absentPolls: 0 });
  }

  for (const [id, k] of known) {
    if (handled.has(id)) continue;
    if (!snapshot.complete) {
      next.set(id, k);
      continue;
    }
    const absentPolls = k.absentPolls + 1;
    if (absentPolls >= absentLimit) {
      // `alarm` too: should the raise never have reached the store (a pending entry), it is raised and resolved.
      commands.push({ type: 'ResolveAlarm', data: { alarmId: id, reason: 'absent_from_snapshots', resolvedAt: snapshot.now, alarm: k.alarm }, metadata });
    } else {
      next.set(id, { ...k, absentPolls });
    }
  }
  return { commands, known: next };
}

export const commandAlarmId = (c: AlarmCommand): string => (c.type === 'ObserveAlarm' ? c.data.alarm.id : c.data.alarmId);
