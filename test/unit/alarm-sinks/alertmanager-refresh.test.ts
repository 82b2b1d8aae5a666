import { describe, expect, it } from 'vitest';
import { AlertmanagerAlarmSink } from '../../../src/infrastructure/alarm-sinks/alertmanager-alarm-sink.js';
import { keepAlertmanagerLeases, refreshAlertmanager, type RefreshResult } from '../../../src/infrastructure/alarm-sinks/alertmanager-refresh.js';
import { alarmView } from '../../support/alarm-sink-fixtures.js';

// Nothing listens on port 1: a test that posted anything would get a retry outcome, not delivered.
const sink = new AlertmanagerAlarmSink({ url: 'http://127.0.0.1:1', leaseMs: 40_000, timeoutMs: 1_000 });
const ago = (ms: number): string => new Date(Date.now() - ms).toISOString();

describe('a refresh with nothing current', () => {
  it('posts nothing for resolves older than 5 minutes or without a resolve time', async () => {
    const old = alarmView({ status: 'resolved', resolvedAt: ago(5 * 60_000 + 5_000) });
    const undated = alarmView({ status: 'resolved', resolvedAt: null });
    expect(await refreshAlertmanager(sink, [old, undated])).toEqual({ firing: 0, resolved: 0, skipped: [], outcome: { kind: 'delivered' } });
  });

  it('does post a resolve of 4 minutes ago (and reports the unreachable Alertmanager)', async () => {
    const recent = alarmView({ status: 'resolved', resolvedAt: ago(4 * 60_000) });
    const r = await refreshAlertmanager(sink, [recent]);
    expect(r.resolved).toBe(1);
    expect(r.outcome.kind).toBe('retry');
  });
});

describe('the lease keeper', () => {
  it('reports a failed load and keeps ticking, and stops when told', async () => {
    const results: (RefreshResult | { error: unknown })[] = [];
    let calls = 0;
    const stop = keepAlertmanagerLeases({
      sink,
      intervalMs: 20,
      load: () => (++calls === 1 ? Promise.reject(new Error('read model down')) : Promise.resolve([])),
      onResult: (r) => results.push(r),
    });
    await expect.poll(() => results.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    await stop();
    const after = calls;
    await new Promise((r) => setTimeout(r, 100));
    expect(calls).toBe(after);
    expect((results[0] as { error: Error }).error.message).toBe('read model down');
    expect(results[1]).toEqual({ firing: 0, resolved: 0, skipped: [], outcome: { kind: 'delivered' } });
  });
});
