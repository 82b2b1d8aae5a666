import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { alarmDeliveryProjection, replayDeliveryDeadLetters } from '../../../src/application/alarms/alarm-delivery-projection.js';
import { InMemoryDeliveryDeadLetters, InMemorySinkSwitch } from '../../../src/application/alarms/in-memory-delivery-control.js';
import { InMemoryEventStore } from '../../../src/application/event-store/in-memory-event-store.js';
import { InMemoryProjectionCheckpoints } from '../../../src/application/event-store/in-memory-projection-checkpoints.js';
import type { DeliveryOutcome } from '../../../src/application/ports/alarm-sink.js';
import { InMemoryLease } from '../../../src/application/projections/in-memory-lease.js';
import { ProjectionRunner } from '../../../src/application/projections/projection-runner.js';
import { appendLifecycles, tagOf, until } from '../../support/alarm-fixtures.js';
import { perAlarmOrderKept, RecordingSink } from '../../support/recording-sink.js';

const log = pino({ level: 'silent' });
const runners: ProjectionRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

async function setup(sink: RecordingSink, alarms = 4) {
  const store = new InMemoryEventStore();
  const checkpoints = new InMemoryProjectionCheckpoints();
  const deadLetters = new InMemoryDeliveryDeadLetters();
  const sinkSwitch = new InMemorySinkSwitch();
  const disabled: string[] = [];
  await appendLifecycles(store, alarms);
  const projection = alarmDeliveryProjection({
    sink,
    deadLetters,
    sinkSwitch,
    backoff: { baseMs: 5, maxMs: 40 },
    disabledRecheckMs: 20,
    log,
    onDisabled: (s) => disabled.push(s),
  });
  const runner = new ProjectionRunner({ projection, store, checkpoints, lease: new InMemoryLease(), owner: 'A', log, idleMs: 5, pageSize: 5 });
  runners.push(runner);
  runner.start();
  const all = await store.readCategory('alarm', { after: null, maxCount: 1_000 });
  return { store, checkpoints, deadLetters, sinkSwitch, disabled, all, name: projection.name };
}

describe('when the sink fails transiently at random', () => {
  it('delivers every event, first deliveries in log order, per-alarm order kept', async () => {
    let seed = 7;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const sink = new RecordingSink('webhook', (): DeliveryOutcome => (random() < 0.4 ? { kind: 'retry', reason: '503' } : { kind: 'delivered' }));
    const { all } = await setup(sink, 6);
    await until(() => new Set(sink.delivered.map((e) => e.id)).size === all.length, 10_000, 'all delivered');
    expect(sink.calls.some((c) => c.outcome.kind === 'retry')).toBe(true);
    expect(sink.delivered.map(tagOf)).toEqual(all.map(tagOf));
    expect(perAlarmOrderKept(sink.delivered)).toEqual({ ok: true, problems: [] });
  });
});

describe('when the sink answers retry with Retry-After', () => {
  it('waits at least that long before the next attempt', async () => {
    const sink = new RecordingSink('webhook', (_e, call) => (call === 0 ? { kind: 'retry', reason: '429', retryAfterMs: 300 } : { kind: 'delivered' }));
    const { all } = await setup(sink, 1);
    await until(() => sink.delivered.length === all.length, 3_000, 'all delivered');
    expect(sink.calls[1]?.event.id).toBe(sink.calls[0]?.event.id);
    expect((sink.calls[1]?.at ?? 0) - (sink.calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(290);
  });
});

describe('when the sink answers gone', () => {
  it('disables the sink, reports it, delivers nothing more, and resumes from that event once enabled', async () => {
    let gone = true;
    const sink = new RecordingSink('webhook', (_e, call) => (call === 2 && gone ? { kind: 'gone', reason: '410' } : { kind: 'delivered' }));
    const { all, sinkSwitch, disabled, checkpoints, name } = await setup(sink, 2);
    await until(async () => (await sinkSwitch.state('webhook')).disabled, 2_000, 'disabled');
    await new Promise((r) => setTimeout(r, 150));
    expect(disabled).toEqual(['webhook']);
    expect(sink.calls).toHaveLength(3);
    expect(await checkpoints.read(name)).toBe(all[1]?.position);
    gone = false;
    await sinkSwitch.enable('webhook');
    await until(() => sink.delivered.length === all.length, 2_000, 'the rest after enabling');
    expect(sink.delivered.map(tagOf)).toEqual(all.map(tagOf));
  });
});

describe('when the sink rejects one event (poison)', () => {
  it('dead-letters it with the reason and delivers the events after it; replay delivers it later', async () => {
    let poisonId: string | undefined;
    const sink = new RecordingSink('webhook', (e, call) => {
      if (call === 1) poisonId = e.id;
      return e.id === poisonId && !replaying ? { kind: 'rejected', reason: '422 bad schema' } : { kind: 'delivered' };
    });
    let replaying = false;
    const { all, deadLetters } = await setup(sink, 2);
    await until(() => sink.delivered.length === all.length - 1, 2_000, 'the others delivered');
    const letters = await deadLetters.list('webhook', 10);
    expect(letters.map((l) => [l.event.id, l.reason])).toEqual([[all[1]?.id, '422 bad schema']]);
    expect(sink.delivered.map((e) => e.id)).toEqual(all.filter((e) => e.id !== poisonId).map((e) => e.id));
    replaying = true;
    const result = await replayDeliveryDeadLetters(deadLetters, sink, 'all');
    expect(result).toEqual({ delivered: [poisonId], failed: [] });
    expect(await deadLetters.count('webhook')).toBe(0);
  });

  it('keeps a dead letter whose replay is rejected again, with the new reason', async () => {
    const sink = new RecordingSink('webhook', (_e, call) => (call === 0 ? { kind: 'rejected', reason: 'first' } : call >= 6 ? { kind: 'rejected', reason: 'again' } : { kind: 'delivered' }));
    const { all, deadLetters } = await setup(sink, 2);
    await until(() => sink.delivered.length === all.length - 1, 2_000, 'the others delivered');
    const result = await replayDeliveryDeadLetters(deadLetters, sink, [all[0]?.id as string]);
    expect(result.failed).toEqual([{ eventId: all[0]?.id, reason: 'again' }]);
    expect((await deadLetters.list('webhook', 10))[0]?.reason).toBe('replay rejected: again');
  });
});

describe('when the sink throws instead of answering', () => {
  it('retries the same event and keeps the order', async () => {
    const sink = new RecordingSink('webhook', (_e, call) => {
      if (call === 0) throw new Error('boom');
      return { kind: 'delivered' };
    });
    const { all } = await setup(sink, 2);
    await until(() => sink.delivered.length === all.length, 2_000, 'all delivered');
    expect(sink.delivered.map(tagOf)).toEqual(all.map(tagOf));
  });
});
