import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentMd5 } from '../../../src/infrastructure/nacos/nacos-client.js';
import { RedisMetricCatalog } from '../../../src/infrastructure/redis/redis-metric-catalog.js';
import { allowlist as nacosText, group, newDataId, publisher } from '../nacos/nacos-fixtures.js';
import { services } from '../../support/services.js';
import { KEYS, startApi, type ApiUnderTest } from './api-harness.js';

const V1 = 'version: 1\nentries:\n  - measurement: cpu\n    fields: [usage]\n  - measurement: mem\n';
const V2 = 'version: 1\nentries:\n  - measurement: mem\n  - measurement: disk\n    fields: [used]\n';
const yaml = (body: string, ifMatch?: string, key: string = KEYS.writer) => ({
  key,
  body,
  contentType: 'application/yaml',
  ...(ifMatch !== undefined && { headers: { 'if-match': ifMatch } }),
});

describe('allowlist management on r-nacos', () => {
  let a: ApiUnderTest;
  let b: ApiUnderTest;
  let redis: Redis;
  const dataId = newDataId();
  beforeAll(async () => {
    const nacos = { source: 'nacos', nacos: { serverAddr: services.nacosAddr, group, dataId, requestTimeoutMs: 3_000 } };
    a = await startApi({ allowlist: nacos });
    b = await startApi({ allowlist: nacos, redis: a.config.redis }); // a second replica of the same fleet
    redis = new Redis(services.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await b?.close();
    await a?.close();
  });

  it('answers 404 while the config does not exist', async () => {
    expect((await a.call('GET', '/api/v1/allowlist', { key: KEYS.reader })).status).toBe(404);
  });

  it('wants If-Match on a write: 428 without it', async () => {
    const r = await a.call('PUT', '/api/v1/allowlist', yaml(V1));
    expect(r.status).toBe(428);
    expect(r.json.type).toBe('/problems/precondition-required');
  });

  it('creates it with If-Match "absent", and GET then shows the text, its md5 as ETag, its source', async () => {
    const put = await a.call('PUT', '/api/v1/allowlist', yaml(V1, '"absent"'));
    expect(put.status, put.text).toBe(200);
    expect(put.headers.get('etag')).toBe(`"${contentMd5(V1)}"`);
    const get = await b.call('GET', '/api/v1/allowlist', { key: KEYS.reader });
    expect(get.status).toBe(200);
    expect(get.headers.get('etag')).toBe(`"${contentMd5(V1)}"`);
    expect(get.json).toMatchObject({ source: { kind: 'nacos', group, dataId }, md5: contentMd5(V1), text: V1, valid: true, entries: 2, active: null, lastRejected: null });
  });

  it('answers 422 with every error for an invalid document, and leaves Nacos alone', async () => {
    const r = await a.call('PUT', '/api/v1/allowlist', yaml('version: 1\nentries:\n  - fields: [x]\n', `"${contentMd5(V1)}"`));
    expect(r.status).toBe(422);
    expect(r.json.errors[0].pointer).toMatch(/^entries\[0\]/);
    expect((await a.call('GET', '/api/v1/allowlist')).json.md5).toBe(contentMd5(V1));
  });

  it('answers 412 to a write based on a stale version', async () => {
    const r = await a.call('PUT', '/api/v1/allowlist', yaml(V2, `"${contentMd5('something older')}"`));
    expect(r.status).toBe(412);
    expect(r.json.detail).toContain(contentMd5(V1));
  });

  it('lets exactly one of two concurrent edits from the same version through, on two replicas', async () => {
    const base = `"${contentMd5(V1)}"`;
    const [x, y] = await Promise.all([a.call('PUT', '/api/v1/allowlist', yaml(V2, base)), b.call('PUT', '/api/v1/allowlist', yaml(`${V2}# other edit\n`, base, KEYS.admin))]);
    expect([x.status, y.status].sort()).toEqual([200, 412]);
    const winner = x.status === 200 ? x : y;
    expect((await a.call('GET', '/api/v1/allowlist')).json.md5).toBe(winner.json.version);
  });

  it('accepts the document as JSON too, stored as YAML', async () => {
    const current = (await a.call('GET', '/api/v1/allowlist')).json.md5 as string;
    const r = await a.call('PUT', '/api/v1/allowlist', { key: KEYS.writer, body: { version: 1, entries: [{ measurement: 'mem' }] }, headers: { 'if-match': current } });
    expect(r.status, r.text).toBe(200);
    expect((await a.call('GET', '/api/v1/allowlist')).json.text).toMatch(/^version: 1\nentries:\n {2}- measurement: mem\n$/);
  });

  it('lists the changes newest first, each naming its key and the entries added and removed', async () => {
    const r = await b.call('GET', '/api/v1/allowlist/changes?limit=10', { key: KEYS.reader });
    expect(r.status).toBe(200);
    const changes = r.json.changes as { actor: string; added: unknown[]; removed: unknown[]; previousVersion: string | null }[];
    expect(changes).toHaveLength(3);
    expect(changes.at(-1)).toMatchObject({ actor: 'writer', previousVersion: null, removed: [] });
    expect(changes.at(-1)?.added).toHaveLength(2);
    expect(changes[0]).toMatchObject({ actor: 'writer', added: [], removed: [{ measurement: 'disk', fields: ['used'] }] });
  });

  it('shows a stored version that is invalid as the last rejected one, with why', async () => {
    const pub = publisher(dataId, redis, 'unused');
    await pub.publishAllowlist(nacosText(1).replace('metrics:', 'metricz:'));
    pub.close();
    const r = await a.call('GET', '/api/v1/allowlist', { key: KEYS.reader });
    expect(r.status).toBe(200);
    expect(r.json.valid).toBe(false);
    expect(r.json.lastRejected.errors.length).toBeGreaterThan(0);
  });
});

describe('the catalog and a dry run', () => {
  let api: ApiUnderTest;
  const redis = new Redis(services.redisUrl);
  beforeAll(async () => {
    api = await startApi(); // file allowlist: svc_000.f0 and svc_001.f0
    const catalog = new RedisMetricCatalog(redis, { keyPrefix: api.config.redis.keyPrefix });
    const counts = (seen: number, passed: number) => ({ seen, passed, dropped: seen > passed ? { not_allowlisted: seen - passed } : {}, tagKeys: ['host'] });
    await catalog.record(new Map([['svc_000.f0', counts(600, 600)], ['svc_002.f0', counts(300, 0)], ['svc_000.f1', counts(30, 0)]]), Date.now());
  });
  afterAll(async () => {
    redis.disconnect();
    await api?.close();
  });

  it('lists what flows, passes and is dropped, by reason and minute', async () => {
    const r = await api.call('GET', '/api/v1/metrics/catalog?minutes=5&sort=name', { key: KEYS.reader });
    expect(r.status, r.text).toBe(200);
    expect(r.json.entries.map((e: { name: string }) => e.name)).toEqual(['svc_000.f0', 'svc_000.f1', 'svc_002.f0']);
    expect(r.json.entries[2]).toMatchObject({ seen: 300, passed: 0, dropped: { not_allowlisted: 300 } });
    expect(r.json.entries[0].perMinute).toHaveLength(5);
  });

  it('answers 400 to a window beyond the catalog retention', async () => {
    const r = await api.call('GET', '/api/v1/metrics/catalog?minutes=600', { key: KEYS.reader });
    expect(r.status).toBe(400);
    expect(r.json.errors[0].pointer).toBe('query.minutes');
  });

  it('says which metrics a proposed allowlist would start and stop passing, with points per minute', async () => {
    const proposal = 'version: 1\nentries:\n  - measurement: svc_002\n    fields: [f0]\n  - measurement: svc_001\n';
    const r = await api.call('POST', '/api/v1/allowlist/validate?minutes=15', { key: KEYS.reader, body: proposal, contentType: 'application/yaml' });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({
      valid: true,
      startPassing: [{ name: 'svc_002.f0', before: 'none', after: 'all', seen: 300, seenPerMinute: 20 }],
      stopPassing: [{ name: 'svc_000.f0', before: 'all', after: 'none', seen: 600, seenPerMinute: 40 }],
    });
  });

  it('answers a dry run of an invalid document with its errors', async () => {
    const r = await api.call('POST', '/api/v1/allowlist/validate', { key: KEYS.reader, body: { version: 2 } });
    expect(r.status).toBe(200);
    expect(r.json.valid).toBe(false);
    expect(r.json.errors.length).toBeGreaterThan(0);
  });

  it('refuses a write when the source is a file (409)', async () => {
    const r = await api.call('PUT', '/api/v1/allowlist', { key: KEYS.writer, body: 'version: 1\nentries: []\n', contentType: 'application/yaml', headers: { 'if-match': '*' } });
    expect(r.status).toBe(409);
  });
});
