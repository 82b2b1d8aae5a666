import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startApi, type ApiUnderTest } from './api-harness.js';

describe('a bridge with API keys', () => {
  let api: ApiUnderTest;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    api = await startApi({ logLevel: 'debug', api: { bodyLimitBytes: 2048 } }, {}, pino({ level: 'debug' }, sink));
  });
  afterAll(async () => api?.close());

  it('answers 401 problems without a key or with an unknown one, and says how to authenticate', async () => {
    for (const key of [null, 'not-a-key-0000000000000']) {
      const r = await api.call('GET', '/api/v1/status', { key });
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.headers.get('www-authenticate')).toBe('Bearer');
      expect(r.json).toMatchObject({ type: '/problems/unauthorized', status: 401, instance: '/api/v1/status' });
    }
  });

  it('accepts the key as Bearer or as X-API-Key, hashed or in clear in the config', async () => {
    expect((await api.call('GET', '/api/v1/status', { key: KEYS.reader })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/status', { key: KEYS.admin })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/status', { key: null, headers: { 'x-api-key': KEYS.writer } })).status).toBe(200);
  });

  it('answers 403 naming the missing scope when a read key writes', async () => {
    const r = await api.call('PUT', '/api/v1/allowlist', { key: KEYS.reader, body: 'version: 1\nentries: []\n', contentType: 'application/yaml', headers: { 'if-match': '"absent"' } });
    expect(r.status).toBe(403);
    expect(r.json).toMatchObject({ type: '/problems/forbidden', detail: "key 'reader' lacks the 'write' scope" });
  });

  it('serves the operations endpoints and the document without a key', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/v1/openapi.json']) expect((await api.call('GET', path, { key: null })).status, path).toBe(200);
  });

  it('refuses a body over the limit with 413 and malformed JSON with 400, as problems', async () => {
    const big = await api.call('POST', '/api/v1/allowlist/validate', { body: `version: 1\nentries: []\n# ${'x'.repeat(4096)}\n`, contentType: 'application/yaml' });
    expect(big.status).toBe(413);
    expect(big.json.type).toBe('/problems/payload-too-large');
    const bad = await api.call('POST', '/api/v1/allowlist/validate', { body: '{"version": 1,', contentType: 'application/json' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('refuses a media type the contract does not list with 415', async () => {
    const r = await api.call('POST', '/api/v1/allowlist/validate', { body: 'version: 1', contentType: 'application/xml' });
    expect(r.status).toBe(415);
    expect(r.json.status).toBe(415);
  });

  it('measures latency per route template and status in /metrics', async () => {
    await api.call('GET', '/api/v1/allowlist/changes', { key: KEYS.reader });
    await api.call('GET', '/api/v1/status', { key: null });
    const metrics = (await api.call('GET', '/metrics', { key: null })).text;
    expect(metrics).toMatch(/aiops_api_request_duration_seconds_count\{method="GET",route="\/api\/v1\/allowlist\/changes",status="200"\} [1-9]/);
    expect(metrics).toMatch(/aiops_api_request_duration_seconds_count\{method="GET",route="\/api\/v1\/status",status="401"\} [1-9]/);
  });

  it('never writes a key into a response or a log line', async () => {
    await api.call('GET', '/api/v1/status', { key: 'wrong-key-but-secret-123456' });
    await api.call('GET', '/api/v1/trends?metric=svc_000.f0', { key: KEYS.reader });
    const everything = logLines.join('');
    expect(everything.length).toBeGreaterThan(0);
    for (const secret of [KEYS.reader, KEYS.writer, KEYS.admin, 'wrong-key-but-secret-123456']) expect(everything).not.toContain(secret);
  });
});

describe('two replicas sharing one Redis, with a limit of 5 requests per key per 10 s', () => {
  let a: ApiUnderTest;
  let b: ApiUnderTest;
  beforeAll(async () => {
    const limit = { api: { rateLimit: { points: 5, durationSeconds: 10 } } };
    a = await startApi(limit);
    b = await startApi({ ...limit, redis: a.config.redis });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('lets 5 requests of one key through the fleet, answers the 6th 429 with Retry-After, and counts keys apart', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await (i % 2 ? b : a).call('GET', '/api/v1/status', { key: KEYS.reader })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const over = await b.call('GET', '/api/v1/status', { key: KEYS.reader });
    expect(over.status).toBe(429);
    expect(over.json.type).toBe('/problems/rate-limited');
    const retry = Number(over.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(10);
    expect((await a.call('GET', '/api/v1/status', { key: KEYS.writer })).status).toBe(200);
  });

  it('does not limit the operations endpoints', async () => {
    for (let i = 0; i < 8; i++) expect((await a.call('GET', '/healthz', { key: null })).status).toBe(200);
  });
});
