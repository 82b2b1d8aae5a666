import { createConfig, lint } from '@redocly/openapi-core';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryDeliveryRecords } from '../../../src/application/alarms/in-memory-delivery-records.js';
import { InMemoryEventStore } from '../../../src/application/event-store/in-memory-event-store.js';
import { RedisAlarmView } from '../../../src/infrastructure/redis/redis-alarm-view.js';
import { buildApiApp } from '../../../src/interfaces/http/api-app.js';
import { ApiKeys } from '../../../src/interfaces/http/auth.js';
import { OPENAPI_PATH, openApiDocument } from '../../../src/interfaces/http/openapi.js';
import { redisForTest } from '../../support/redis-test.js';
import { services } from '../../support/services.js';
import { startApi, type ApiUnderTest } from './api-harness.js';
import { registeredRoutes } from './registered-routes.js';

const RULE = { name: 'cpu high', metric: 'svc_000.f0', tags: { host: 'web-*' }, detector: { kind: 'threshold', operator: '>', value: 90, durationSeconds: 60 }, severity: 'major' };
const METHODS = ['get', 'put', 'post', 'patch', 'delete'] as const;
const documented = (): string[] =>
  Object.entries(openApiDocument().paths)
    .flatMap(([path, item]) => METHODS.filter((m) => m in item).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();

describe('the OpenAPI document', () => {
  it('lints clean under Redocly recommended rules (no errors, no warnings)', async () => {
    const problems = await lint({ ref: OPENAPI_PATH, config: await createConfig({ extends: ['recommended'] }) });
    expect(problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location[0]?.pointer}`)).toEqual([]);
  });

  it('is OpenAPI 3.1 and documents the unauthenticated ops routes as such', () => {
    const doc = openApiDocument() as { openapi: string; paths: Record<string, { get?: { security?: unknown[] } }> };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/healthz', '/readyz', '/metrics', '/api/v1/openapi.json']) expect(doc.paths[p]?.get?.security).toEqual([]);
  });
});

describe('the express app', () => {
  const { redis, prefix, cleanup } = redisForTest('api-routes');
  let queue: Queue;
  beforeAll(() => {
    queue = new Queue('forward', { connection: { url: services.redisUrl }, prefix });
  });
  afterAll(async () => {
    await queue.close();
    await cleanup();
  });

  it('registers exactly the documented routes, plus the dashboard mount', () => {
    const app = buildApiApp({
      log: pino({ level: 'silent' }),
      keys: new ApiKeys([]),
      redis,
      keyPrefix: prefix,
      registry: new Registry(),
      readiness: [],
      status: async () => ({}),
      trend: async () => ({ metric: 'm', tags: {}, points: [] }),
      trendLimits: { maxPoints: 100, minStepSeconds: 10, maxStepSeconds: 3600 },
      allowlist: { source: { kind: 'file', path: 'x' }, read: async () => null, events: new InMemoryEventStore(), catalog: async () => ({ minutes: 1, sort: 'seen', entries: [] }) },
      rules: { store: new InMemoryEventStore(), reconcile: async () => ({ created: 0, updated: 0, deleted: 0, drift: [], errors: [] }) },
      alarms: { view: new RedisAlarmView(redis, { keyPrefix: `${prefix}:` }), store: new InMemoryEventStore(), deliveries: new InMemoryDeliveryRecords() },
      dashboardQueues: [queue],
      samples: { stepMs: 10_000, record: async () => undefined, read: async () => [] },
      bodyLimitBytes: 1024,
      rateLimit: { points: 10, durationSeconds: 1 },
    });
    const registered = registeredRoutes(app);
    // The dashboard's page is documented; its assets and XHRs belong to bull-board, under its mount.
    expect(registered.filter((r) => r.startsWith('MOUNT '))).toEqual(['MOUNT /admin/queues']);
    const routes = registered.filter((r) => !r.startsWith('MOUNT ')).concat('GET /admin/queues').sort();
    expect(routes).toEqual(documented());
  });
});

describe('every documented route, called on a running bridge', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(async () => api?.close());

  const bodies: Record<string, unknown> = {
    'PUT /api/v1/allowlist': 'version: 1\nentries: []\n',
    'POST /api/v1/allowlist/validate': 'version: 1\nentries: []\n',
    'POST /api/v1/rules': JSON.stringify(RULE),
    'PUT /api/v1/rules/{id}': JSON.stringify(RULE),
  };
  const query: Record<string, string> = { 'GET /api/v1/trends': '?metric=svc_000.f0' };

  it('answers each with a status the document lists for it, and a body that matches it', async () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const seen: string[] = [];
    for (const route of documented()) {
      const [method, path] = route.split(' ') as [string, string];
      const body = bodies[route];
      const reply = await api.call(method, `${path.replace('{id}', 'no-such-rule')}${query[route] ?? ''}`, {
        ...(body !== undefined && { body, contentType: route.includes('rules') ? 'application/json' : 'application/yaml' }),
        headers: { authorization: `Basic ${Buffer.from(`ops:admin-key-0123456789abcdefgh`).toString('base64')}`, 'if-match': '"absent"' },
        key: null,
      });
      const listed = Object.keys(doc.paths[path]?.[method.toLowerCase()]?.responses ?? {});
      seen.push(`${route} → ${reply.status}`);
      // A 500 would be a response that broke the contract (response validation is on) or a crash.
      expect(listed, `${route} answered ${reply.status}: ${reply.text.slice(0, 300)}`).toContain(String(reply.status));
      expect(reply.status, `${route}: ${reply.text.slice(0, 300)}`).toBeLessThan(500);
    }
    expect(seen).toHaveLength(documented().length);
  });
});
