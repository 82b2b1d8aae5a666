import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AlarmView } from '../../../src/domain/alarms/alarm-events.js';
import { AlertmanagerAlarmSink } from '../../../src/infrastructure/alarm-sinks/alertmanager-alarm-sink.js';
import { firingAlert, resolvedAlerts } from '../../../src/infrastructure/alarm-sinks/alertmanager-alerts.js';
import { keepAlertmanagerLeases, refreshAlertmanager } from '../../../src/infrastructure/alarm-sinks/alertmanager-refresh.js';
import { alarmView, raised, resolved, updated } from '../../support/alarm-sink-fixtures.js';
import { services, uniqueSuffix } from '../../support/services.js';

interface GettableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  fingerprint: string;
  endsAt: string;
  status: { state: string };
}

/** Active alerts of one test run: every alarm of a test carries the tag `run=<unique>`. */
async function activeAlerts(run: string): Promise<GettableAlert[]> {
  const res = await fetch(`${services.alertmanagerUrl}/api/v2/alerts?filter=${encodeURIComponent(`run="${run}"`)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as GettableAlert[];
}

const sinkWithLease = (leaseMs: number): AlertmanagerAlarmSink =>
  new AlertmanagerAlarmSink({ url: services.alertmanagerUrl, leaseMs, timeoutMs: 5_000, generatorUrl: (a) => `http://127.0.0.1:8088/api/v1/alarms/${a.id}` });

const alarmOfRun = (run: string, over: Partial<AlarmView> = {}): AlarmView =>
  alarmView({ tags: { run, host: 'web-1', 'k8s.pod': 'api-7f9', severity: 'tag-not-ours' }, ...over });

beforeAll(async () => {
  const res = await fetch(`${services.alertmanagerUrl}/-/ready`).catch(() => null);
  if (res?.status !== 200) throw new Error(`Alertmanager is not ready at ${services.alertmanagerUrl}: bash deploy/local/services.sh up alertmanager`);
});

describe('an alarm raised in Alertmanager', () => {
  it('is active with labels from its identity and our annotations', async () => {
    const run = uniqueSuffix();
    const alarm = alarmOfRun(run);
    expect(await sinkWithLease(600_000).deliver(raised(alarm))).toEqual({ kind: 'delivered' });
    const alerts = await activeAlerts(run);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.status.state).toBe('active');
    expect(alerts[0]!.labels).toEqual({
      alertname: 'CPU busy',
      alarm_id: alarm.id,
      rule_id: 'rule-7',
      metric: 'cpu.usage_idle',
      severity: 'major',
      run,
      host: 'web-1',
      k8s_pod: 'api-7f9',
      tag_severity: 'tag-not-ours',
    });
    expect(alerts[0]!.annotations).toMatchObject({ summary: alarm.summary, value: '97.5', engine_alarm_id: 'eng-1001', rule_name: 'CPU busy' });
    expect(JSON.parse(alerts[0]!.annotations.tags!)).toEqual(alarm.tags);
  });

  it('is gone as soon as its resolve is delivered, lease or not: the resolve matched it', async () => {
    const run = uniqueSuffix();
    const sink = sinkWithLease(600_000);
    const alarm = alarmOfRun(run);
    await sink.deliver(raised(alarm));
    const [firing] = await activeAlerts(run);
    expect(firing?.labels.alarm_id).toBe(alarm.id);
    const resolve = resolved(alarm);
    expect(resolvedAlerts(resolve.data.alarm, resolve.time, {}).map((a) => a.labels)).toContainEqual(firing!.labels);
    expect(await sink.deliver(resolve)).toEqual({ kind: 'delivered' });
    expect(await activeAlerts(run)).toEqual([]);
    // Delivering the same resolve again (at-least-once) changes nothing.
    expect(await sink.deliver(resolve)).toEqual({ kind: 'delivered' });
    expect(await activeAlerts(run)).toEqual([]);
  });

  it('changing severity leaves exactly one active alert, of the new severity', async () => {
    const run = uniqueSuffix();
    const sink = sinkWithLease(600_000);
    const alarm = alarmOfRun(run);
    await sink.deliver(raised(alarm));
    await sink.deliver(updated({ ...alarm, severity: 'critical', value: 99.9 }, ['severity', 'value']));
    const alerts = await activeAlerts(run);
    expect(alerts.map((a) => [a.labels.severity, a.annotations.value])).toEqual([['critical', '99.9']]);
    await sink.deliver(resolved({ ...alarm, severity: 'critical' }));
    expect(await activeAlerts(run)).toEqual([]);
  });
});

describe('the endsAt lease', () => {
  it('lets an alert that is not refreshed expire, and keeps a refreshed one active', async () => {
    const run = uniqueSuffix();
    const leaseMs = 3_000;
    const sink = sinkWithLease(leaseMs);
    const left = alarmOfRun(run);
    const kept = alarmOfRun(run);
    await sink.deliver(raised(left));
    await sink.deliver(raised(kept));
    expect((await activeAlerts(run)).map((a) => a.labels.alarm_id).sort()).toEqual([left.id, kept.id].sort());
    const results: unknown[] = [];
    const stop = keepAlertmanagerLeases({ sink, intervalMs: 500, load: () => Promise.resolve([kept]), onResult: (r) => results.push(r) });
    try {
      await sleep(leaseMs + 3_000);
      expect((await activeAlerts(run)).map((a) => a.labels.alarm_id)).toEqual([kept.id]);
    } finally {
      await stop();
    }
    expect(results.length).toBeGreaterThan(3);
    expect(results.every((r) => (r as { outcome?: { kind: string } }).outcome?.kind === 'delivered')).toBe(true);
  });
});

describe('a refresh with the read model', () => {
  it('re-sends resolves of the last 5 minutes only, so a stale firing re-post is ended again', async () => {
    const run = uniqueSuffix();
    const sink = sinkWithLease(600_000);
    const recent = { ...alarmOfRun(run), status: 'resolved' as const, resolvedAt: new Date(Date.now() - 60_000).toISOString() };
    const old = { ...alarmOfRun(run), status: 'resolved' as const, resolvedAt: new Date(Date.now() - 10 * 60_000).toISOString() };
    const firing = alarmOfRun(run);
    // A firing post that arrives after the resolve (a stale view) re-opens the alert in Alertmanager...
    await sink.post([firingAlert({ ...recent, status: 'firing', resolvedAt: null }, sink.leaseEnd(), {})]);
    expect((await activeAlerts(run)).map((a) => a.labels.alarm_id)).toEqual([recent.id]);
    // ...until the next refresh re-sends the resolve.
    const result = await refreshAlertmanager(sink, [recent, old, firing]);
    expect(result).toEqual({ firing: 1, resolved: 1, skipped: [], outcome: { kind: 'delivered' } });
    expect((await activeAlerts(run)).map((a) => a.labels.alarm_id)).toEqual([firing.id]);
  });
});

describe('an alarm whose times do not parse', () => {
  it('is rejected by deliver (a dead letter, not a retry) and skipped by a refresh without costing the others', async () => {
    const run = uniqueSuffix();
    const sink = sinkWithLease(600_000);
    const bad = alarmOfRun(run, { startsAt: 'yesterday-ish' });
    const good = alarmOfRun(run);
    const o = await sink.deliver(raised(bad));
    expect(o).toEqual({ kind: 'rejected', reason: `alarm ${bad.id}: startsAt is not a time: "yesterday-ish"` });
    const result = await refreshAlertmanager(sink, [bad, good]);
    expect(result).toEqual({ firing: 2, resolved: 0, skipped: [bad.id], outcome: { kind: 'delivered' } });
    expect((await activeAlerts(run)).map((a) => a.labels.alarm_id)).toEqual([good.id]);
  });
});

describe('an Alertmanager that is not there', () => {
  it('gives retry, so the events wait in the log', async () => {
    const sink = new AlertmanagerAlarmSink({ url: 'http://127.0.0.1:1', leaseMs: 40_000, timeoutMs: 2_000 });
    const o = await sink.deliver(raised(alarmView()));
    expect(o.kind).toBe('retry');
    expect(o.kind === 'retry' && o.reason).toMatch(/^network: /);
  });
});
