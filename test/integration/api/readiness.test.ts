import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alarmStream, type AlarmView } from '../../../src/domain/alarms/alarm-events.js';
import { RedisEventStore } from '../../../src/infrastructure/redis/redis-event-store.js';
import { createTopic, waitFor } from '../../support/bridge-harness.js';
import { services } from '../../support/services.js';
import { KEYS, startApi, type ApiUnderTest } from './api-harness.js';

interface Check { name: string; ok: boolean; advisory?: boolean; error?: string; details?: Record<string, unknown> }
const readyz = async (api: ApiUnderTest): Promise<{ status: number; body: { status: string }; checks: Record<string, Check> }> => {
  const r = await api.call('GET', '/readyz', { key: null });
  return { status: r.status, body: r.json as { status: string }, checks: Object.fromEntries((r.json.checks as Check[]).map((c) => [c.name, c])) };
};

const alarm: AlarmView = {
  id: 'ready-a1', engineAlarmId: 'e1', ruleId: 'r1', ruleName: 'rule', metric: 'cpu', tags: { host: 'h1' }, severity: 'major', status: 'firing',
  value: 95, summary: 'cpu high', startsAt: new Date().toISOString(), lastSeenAt: new Date().toISOString(), resolvedAt: null,
};

describe('a bridge with ingest, api and projections whose dependencies all answer', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({ roles: ['ingest', 'api', 'projections'], kafka: { topic: await createTopic(1) } });
  });
  afterAll(async () => api?.close());

  it('is ready, with details for redis, kafka, the breaker, the event store and the projections', async () => {
    const r = await waitFor('ready', async () => ((await readyz(api)).status === 200 ? readyz(api) : undefined), 30_000);
    expect(Object.keys(r.checks).sort()).toEqual(['allowlist', 'engine-breaker', 'event-store', 'kafka-consumer', 'projections', 'redis']);
    expect(Object.values(r.checks).every((c) => c.ok)).toBe(true);
    expect(r.checks.redis?.details?.ms).toBeTypeOf('number');
    expect(r.checks['kafka-consumer']?.details).toMatchObject({ state: 'member', partitions: 1 });
    expect(r.checks['engine-breaker']?.details).toMatchObject({ state: 'closed' });
    expect(r.checks.projections?.details).toHaveProperty('alarm-view');
  });

  it('measures event-store appends in /metrics, by outcome', async () => {
    const rule = { name: 'cpu high', metric: 'svc_000.f0', tags: { host: 'web-*' }, detector: { kind: 'threshold', operator: '>', value: 90, durationSeconds: 60 }, severity: 'major' };
    expect((await api.call('POST', '/api/v1/rules', { key: KEYS.writer, body: rule })).status).toBe(201);
    const metrics = (await api.call('GET', '/metrics', { key: null })).text;
    expect(metrics).toMatch(/aiops_event_store_append_seconds_count\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/aiops_projection_lag_seconds|aiops_projection_events_total/);
  });
});

describe('when the engine is down and its breaker opens', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({ breaker: { volumeThreshold: 2, errorThresholdPercentage: 50, resetTimeoutMs: 30_000, rollingCountTimeoutMs: 10_000 } });
  });
  afterAll(async () => api?.close());

  it('turns degraded (still 200: the engine is shared by the fleet), naming the breaker, while the other checks stay ok', async () => {
    expect((await readyz(api)).status).toBe(200);
    api.sim.setFaults({ outage: true, outageMode: 'http503' });
    for (let i = 0; i < 3; i++) await api.call('GET', `/api/v1/trends?metric=m${i}.f`);
    const r = await readyz(api);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('degraded');
    expect(r.checks['engine-breaker']).toMatchObject({ ok: false, advisory: true, error: 'engine circuit breaker open', details: { state: 'open' } });
    expect(r.checks.redis?.ok).toBe(true);
  });
});

describe('when a projection falls behind (its webhook receiver is down)', () => {
  let api: ApiUnderTest;
  const redis = new Redis(services.redisUrl);
  beforeAll(async () => {
    api = await startApi({
      roles: ['api', 'projections'],
      projections: { readyMaxLagSeconds: 1, lagCheckMs: 500 },
      alarms: { sinks: { webhook: { enabled: true, url: 'http://127.0.0.1:9/hook', secret: `whsec_${randomBytes(32).toString('base64')}` } } },
    });
  });
  afterAll(async () => {
    await api?.close();
    redis.disconnect();
  });

  it('turns degraded once the oldest undelivered event is older than projections.readyMaxLagSeconds', async () => {
    expect((await readyz(api)).body.status).toBe('ready');
    const store = new RedisEventStore(redis, { keyPrefix: `${api.config.redis.keyPrefix}:` });
    await store.appendToStream(alarmStream(alarm.id), [{ type: 'AlarmRaised', data: { alarm } }], { expectedStreamVersion: 'no_stream' });
    const r = await waitFor('degraded', async () => {
      const s = await readyz(api);
      return s.body.status === 'degraded' ? s : undefined;
    }, 20_000);
    // The alarm platform being down is seen by every replica alike: reported, but no replica leaves service.
    expect(r.status).toBe(200);
    expect(r.checks.projections).toMatchObject({ ok: false, advisory: true, error: expect.stringContaining('alarm-delivery:webhook') });
    expect((r.checks.projections?.details?.['alarm-delivery:webhook'] as { lagSeconds: number }).lagSeconds).toBeGreaterThan(1);
    expect((r.checks.projections?.details?.['alarm-view'] as { lagSeconds: number }).lagSeconds).toBeLessThanOrEqual(1);
  });
});

describe('when the allowlist lives in Nacos and Nacos does not answer', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({
      allowlist: { source: 'nacos', nacos: { serverAddr: '127.0.0.1:9', group: 'DEFAULT_GROUP', dataId: `ready-${Date.now()}`, requestTimeoutMs: 1_000 } },
    });
  });
  afterAll(async () => api?.close());

  it('is degraded (it filters with the allowlist it holds) and names Nacos', async () => {
    const r = await readyz(api);
    expect(r.status).toBe(200);
    expect(r.body.status).toBe('degraded');
    expect(r.checks.nacos).toMatchObject({ ok: false, advisory: true, error: expect.stringMatching(/^Nacos 127\.0\.0\.1:9 unreachable/) });
    expect(r.checks.nacos?.error).not.toMatch(/password/);
  });

  it('is ready against the real Nacos', async () => {
    const ok = await startApi({
      allowlist: { source: 'nacos', nacos: { serverAddr: services.nacosAddr, group: 'DEFAULT_GROUP', dataId: `ready-${Date.now()}`, requestTimeoutMs: 2_000 } },
    });
    try {
      const r = await readyz(ok);
      expect(r.checks.nacos).toMatchObject({ ok: true, details: { config: 'missing' } });
    } finally {
      await ok.close();
    }
  });
});
