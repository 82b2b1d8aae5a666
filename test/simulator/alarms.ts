import { arrivalClock } from './accounting.js';
import type { Verdict } from './detection.js';
import type { Series } from './metrics-store.js';
import { formatShanghai } from './time-format.js';
import type { Alarm, Rule, Tags } from './types.js';

/** Recovered alarms beyond this are forgotten, oldest first, so a long benchmark cannot grow the history forever. */
const MAX_HISTORY = 20_000;

export type PublicAlarm = Omit<Alarm, 'firstMs' | 'lastMs' | 'recoverMs' | 'seq' | 'createdAtMs'>;
/** What `/__sim/alarms` shows: the public alarm plus when the engine created it (for latency measurements). */
export type SimAlarm = PublicAlarm & { createdAtMs: number };

const newestFirst = (a: Alarm, b: Alarm): number => b.firstMs - a.firstMs || b.seq - a.seq;

const describeSeries = (metric: string, tags: Tags): string => {
  const inner = Object.keys(tags).sort().map((k) => `${k}=${tags[k] as string}`).join(',');
  return `${metric}{${inner}}`;
};

/**
 * Alarm lifecycle: one alarm per (rule, series) at a time. An alarm fires once a breach has lasted the rule's
 * duration and recovers at the first normal point; a later breach is a new alarm with a new alarmId.
 */
export class AlarmBook {
  private readonly active = new Map<string, Alarm>();
  private all: Alarm[] = [];
  private seq = 0;

  apply(rule: Rule, series: Series, verdict: Verdict): void {
    const key = `${rule.ruleId}#${series.key}`;
    const alarm = this.active.get(key);
    if (verdict.kind === 'insufficient') return;
    if (verdict.kind === 'normal') {
      if (alarm !== undefined) this.recover(key, alarm, verdict.atMs);
      return;
    }
    const content = `${describeSeries(series.metric, series.tags)} ${verdict.detail}, value ${verdict.value.toFixed(2)}`;
    if (alarm !== undefined) {
      alarm.lastMs = Math.max(alarm.lastMs, verdict.atMs);
      alarm.lastTime = formatShanghai(alarm.lastMs);
      alarm.value = verdict.value;
      alarm.content = content;
      return;
    }
    if (!verdict.lastingEnough) return;
    const seq = ++this.seq;
    const created: Alarm = {
      alarmId: `a-${Date.now().toString(36)}-${seq}`,
      ruleId: rule.ruleId, ruleName: rule.ruleName, metric: series.metric, tags: series.tags, level: rule.level,
      status: 'FIRING',
      firstTime: formatShanghai(verdict.sinceMs), lastTime: formatShanghai(verdict.atMs),
      value: verdict.value, content,
      firstMs: verdict.sinceMs, lastMs: verdict.atMs, seq, createdAtMs: arrivalClock(),
    };
    this.active.set(key, created);
    this.all.push(created);
    if (this.all.length > MAX_HISTORY * 1.1) this.trim();
  }

  /** A deleted, disabled or edited rule no longer vouches for its alarms: they recover now. */
  recoverRule(ruleId: string, nowMs: number): void {
    for (const [key, alarm] of this.active) if (alarm.ruleId === ruleId) this.recover(key, alarm, nowMs);
  }

  current(): Alarm[] {
    return [...this.active.values()].sort(newestFirst);
  }

  /** Alarms active at any moment of [startMs, endMs] (a long-running alarm that recovered inside the range counts). */
  history(startMs: number, endMs: number): Alarm[] {
    return this.all
      .filter((a) => a.firstMs <= endMs && (a.recoverMs ?? Infinity) >= startMs)
      .sort(newestFirst);
  }

  clear(): void {
    this.active.clear();
    this.all = [];
  }

  private recover(key: string, alarm: Alarm, atMs: number): void {
    alarm.status = 'RECOVERED';
    alarm.recoverMs = Math.max(atMs, alarm.lastMs);
    alarm.recoverTime = formatShanghai(alarm.recoverMs);
    this.active.delete(key);
  }

  private trim(): void {
    let excess = this.all.length - MAX_HISTORY;
    this.all = this.all.filter((a) => excess <= 0 || a.status === 'FIRING' || excess-- <= 0);
  }
}

export const publicAlarm = (a: Alarm): PublicAlarm => {
  const { firstMs: _f, lastMs: _l, recoverMs: _r, seq: _s, createdAtMs: _c, ...shown } = a;
  return shown;
};

export const simAlarm = (a: Alarm): SimAlarm => ({ ...publicAlarm(a), createdAtMs: a.createdAtMs });
