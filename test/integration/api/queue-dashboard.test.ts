import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, startApi, type ApiUnderTest } from './api-harness.js';

const basic = (password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}` });

describe('the queue dashboard', () => {
  let api: ApiUnderTest;
  beforeAll(async () => {
    api = await startApi({ api: { dashboardQueues: ['poll-alarms'] } });
  });
  afterAll(async () => api?.close());

  it('loads with an admin key as the Basic password', async () => {
    const r = await api.call('GET', '/admin/queues', { key: null, headers: basic(KEYS.admin) });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.text).toContain('<title>aiops-bridge queues</title>');
  });

  it("serves its own XHRs with the same credentials, listing the forward queue and the configured ones", async () => {
    const r = await api.call('GET', '/admin/queues/api/queues', { key: null, headers: basic(KEYS.admin) });
    expect(r.status, r.text.slice(0, 200)).toBe(200);
    expect((r.json.queues as { name: string }[]).map((q) => q.name).sort()).toEqual(['forward', 'poll-alarms']);
  });

  it('asks a browser for credentials: 401 with WWW-Authenticate Basic without them', async () => {
    for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
      const r = await api.call('GET', path, { key: null });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Basic realm="aiops-bridge queues"/);
      expect(r.json.type).toBe('/problems/unauthorized');
    }
  });

  it('answers 403 to a read-only or write key, and 401 to a wrong password', async () => {
    expect((await api.call('GET', '/admin/queues', { key: null, headers: basic(KEYS.reader) })).status).toBe(403);
    expect((await api.call('GET', '/admin/queues', { key: null, headers: basic(KEYS.writer) })).status).toBe(403);
    expect((await api.call('GET', '/admin/queues', { key: null, headers: basic('nope-nope-nope-nope') })).status).toBe(401);
  });
});
