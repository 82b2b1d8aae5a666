import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { alarmDeliveryProjection, deliveryProjectionName } from '../../../src/application/alarms/alarm-delivery-projection.js';
import type { Projection } from '../../../src/application/projections/projection.js';
import { ProjectionRunner } from '../../../src/application/projections/projection-runner.js';
import { RedisDeliveryDeadLetters, RedisSinkSwitch } from '../../../src/infrastructure/redis/redis-delivery-control.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { RedisLease } from '../../../src/infrastructure/redis/redis-lease.js';
import { RedisProjectionCheckpoints } from '../../../src/infrastructure/redis/redis-projection-checkpoints.js';
import { appendLifecycles, until } from '../../support/alarm-fixtures.js';
import { useRedisPrefixes } from '../../support/redis-test.js';
import { services } from '../../support/services.js';
import { listSink, readDeliveries, type ListedDelivery } from './list-sink.js';

const log = pino({ level: 'silent' });
const redisKeys = useRedisPrefixes('delivery-failover');
const root = fileURLToPath(new URL('../../../', import.meta.url));
const runners: ProjectionRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});

function setup() {
  const prefix = redisKeys.newPrefix();
  const redis = redisKeys.redis;
  const deps = {
    store: new RedisEventStore(redis, { keyPrefix: prefix }),
    checkpoints: new RedisProjectionCheckpoints(redis, { keyPrefix: prefix }),
    lease: new RedisLease(redis, { keyPrefix: prefix }),
  };
  const delivery = (who: string, down?: () => boolean): Projection =>
    alarmDeliveryProjection({
      sink: listSink(redis, `${prefix}delivered`, who, down ? { down } : {}),
      deadLetters: new RedisDeliveryDeadLetters(redis, { keyPrefix: prefix }),
      sinkSwitch: new RedisSinkSwitch(redis, { keyPrefix: prefix }),
      backoff: { baseMs: 100, maxMs: 800 },
      log,
    }) as Projection;
  const start = (who: string, projection: Projection, extra: Partial<ConstructorParameters<typeof ProjectionRunner>[0]> = {}): ProjectionRunner => {
    const r = new ProjectionRunner({ projection, ...deps, owner: who, log, pageSize: 20, ...extra });
    runners.push(r);
    r.start();
    return r;
  };
  return { prefix, redis, ...deps, delivery, start, deliveries: () => readDeliveries(redis, `${prefix}delivered`) };
}

/** Every event delivered at least once, and per alarm the first deliveries in version order. */
function expectCompleteAndOrdered(deliveries: readonly ListedDelivery[], eventIds: readonly string[]): void {
  const first = new Map<string, ListedDelivery>();
  for (const d of deliveries) if (!first.has(d.eventId)) first.set(d.eventId, d);
  expect(new Set(first.keys())).toEqual(new Set(eventIds));
  const lastVersion = new Map<string, number>();
  for (const d of first.values()) {
    expect(d.version, `${d.tag} after v${lastVersion.get(d.stream) ?? 0}`).toBe((lastVersion.get(d.stream) ?? 0) + 1);
    lastVersion.set(d.stream, d.version);
  }
}

describe('when the replica delivering is killed with SIGKILL', () => {
  it('another replica takes over within 15 s and delivers everything, per-alarm order kept', async () => {
    const f = setup();
    await appendLifecycles(f.store, 40); // 120 events
    const events = await f.store.readCategory('alarm', { after: null, maxCount: 1_000 });
    const config = { redisUrl: services.redisUrl, prefix: f.prefix, listKey: `${f.prefix}delivered`, who: 'doomed', delayMs: 40 };
    // `node --import tsx`, not the tsx binary: that one runs the script in a child process of its own, which a
    // SIGKILL to tsx would leave running.
    const script = fileURLToPath(new URL('./delivery-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], { cwd: root });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
    try {
      await until(async () => (await f.deliveries()).length >= 30, 30_000, `the worker to deliver 30 (stderr: ${stderr})`);
      // The standby competes before the kill, as a second replica of the fleet would.
      const standby = f.start('standby', f.delivery('standby'));
      child.kill('SIGKILL');
      await once(child, 'exit');
      const killedAt = Date.now();
      const deliveredByDoomed = (await f.deliveries()).length;
      expect(deliveredByDoomed).toBeLessThan(events.length); // killed mid-delivery
      await until(async () => (await f.deliveries()).some((d) => d.who === 'standby'), 15_000, 'the standby to deliver');
      const tookMs = Date.now() - killedAt;
      console.log(JSON.stringify({ drill: 'delivery-kill-9', takeoverMs: tookMs, deliveredBeforeKill: deliveredByDoomed, events: events.length }));
      await until(async () => new Set((await f.deliveries()).map((d) => d.eventId)).size === events.length, 20_000, 'everything delivered');
      expect(standby.isOwner()).toBe(true);
      expect(tookMs).toBeLessThan(15_000);
      expectCompleteAndOrdered(await f.deliveries(), events.map((e) => e.id));
      expect(await f.checkpoints.read(deliveryProjectionName('test'))).toBe(events.at(-1)?.position);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});

describe('when two replicas run the delivery of one sink', () => {
  it('never both advance the checkpoint from the same position, even when the lease is lost mid-way', async () => {
    const f = setup();
    await appendLifecycles(f.store, 30);
    const events = await f.store.readCategory('alarm', { after: null, maxCount: 1_000 });
    const advances: Array<{ who: string; from: string | null; to: string }> = [];
    const recording = (who: string) => ({
      ...f.checkpoints,
      read: (n: string) => f.checkpoints.read(n),
      reset: (n: string) => f.checkpoints.reset(n),
      compareAndSet: async (n: string, from: string | null, to: string) => {
        const ok = await f.checkpoints.compareAndSet(n, from, to);
        if (ok) advances.push({ who, from, to });
        return ok;
      },
    });
    const name = deliveryProjectionName('test');
    const opts = { leaseTtlMs: 600, renewEveryMs: 200, acquireRetryMs: 50, pageSize: 7 };
    f.start('A', f.delivery('A'), { ...opts, checkpoints: recording('A') });
    f.start('B', f.delivery('B'), { ...opts, checkpoints: recording('B') });
    // Steal the lease from whoever has it, twice, while they work: the loser must stop advancing.
    for (let i = 0; i < 2; i++) {
      await until(async () => (await f.lease.holder(name)) !== null, 5_000, 'an owner');
      await new Promise((r) => setTimeout(r, 100));
      await f.redis.del(`${f.prefix}lease:${name}`);
    }
    await until(async () => (await f.checkpoints.read(name)) === events.at(-1)?.position, 20_000, 'the end of the log');
    const froms = advances.map((a) => a.from ?? 'start');
    expect(new Set(froms).size).toBe(froms.length);
    // The successful advances form one chain from the start to the end of the log.
    for (let i = 1; i < advances.length; i++) expect(advances[i]?.from).toBe(advances[i - 1]?.to);
    expectCompleteAndOrdered(await f.deliveries(), events.map((e) => e.id));
  }, 60_000);
});

describe('when the sink is down for a while', () => {
  it('holds everything in the log and delivers it all in order once the sink is back', async () => {
    const f = setup();
    await appendLifecycles(f.store, 10);
    let downUntil = Date.now() + 3_000;
    const runner = f.start('A', f.delivery('A', () => Date.now() < downUntil));
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await f.deliveries()).toEqual([]);
    expect(await f.checkpoints.read(runner.name)).toBeNull();
    await appendLifecycles(f.store, 5); // events keep arriving during the outage
    const events = await f.store.readCategory('alarm', { after: null, maxCount: 1_000 });
    await until(async () => (await f.deliveries()).length === events.length, 15_000, 'everything delivered after the outage');
    expect((await f.deliveries()).map((d) => d.eventId)).toEqual(events.map((e) => e.id));
    downUntil = 0;
  }, 30_000);
});
