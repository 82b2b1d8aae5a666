import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineSimulator, type RunningSimulator } from './index.js';
import { call, login } from './sim-client.js';

const RULES_PAGE = '/api/v1/anomaly/rules/page';

describe('when the engine runs in bearer mode', () => {
  let s: RunningSimulator;
  beforeAll(async () => { s = await startEngineSimulator({ tokenTtlSeconds: 60 }); });
  afterAll(async () => { await s.close(); });

  it('issues a JWT-shaped token with expiresIn and counts the login', async () => {
    const res = await call<{ token: string; expiresIn: number }>(s.url, 'POST', '/api/auth/login', { username: 'admin', password: 'admin123' });
    expect(res.body.code).toBe(0);
    expect(res.body.data.token.split('.')).toHaveLength(3);
    expect(res.body.data.expiresIn).toBe(60);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(s.report().logins).toBeGreaterThanOrEqual(1);
  });

  it('refuses wrong credentials as envelope 401 under HTTP 200', async () => {
    const res = await call(s.url, 'POST', '/api/auth/login', { username: 'admin', password: 'nope' });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(401);
  });

  it('names a missing login field as a validation error', async () => {
    const res = await call(s.url, 'POST', '/api/auth/login', { username: 'admin' });
    expect(res.body).toMatchObject({ code: 1001, msg: expect.stringContaining('password') });
  });

  it('accepts the bearer token and refuses requests without one', async () => {
    const token = await login(s.url);
    expect((await call(s.url, 'POST', RULES_PAGE, { pageNum: 1, pageSize: 10 }, { token })).body.code).toBe(0);
    const anonymous = await call(s.url, 'POST', RULES_PAGE, { pageNum: 1, pageSize: 10 });
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.code).toBe(401);
    expect((await call(s.url, 'POST', RULES_PAGE, {}, { token: 'forged.token.value' })).body).toMatchObject({ code: 401, msg: 'token invalid' });
  });
});

describe('when tokens live one second', () => {
  let s: RunningSimulator;
  beforeAll(async () => { s = await startEngineSimulator({ tokenTtlSeconds: 1 }); });
  afterAll(async () => { await s.close(); });

  it('expires a token after its ttl, as envelope 401 under HTTP 200', async () => {
    const token = await login(s.url);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await call(s.url, 'POST', RULES_PAGE, {}, { token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 401, msg: 'token expired' });
    expect(s.report().rejected.expired).toBeGreaterThanOrEqual(1);
  });

  it('answers HTTP 401 instead when http401OnExpiry is set', async () => {
    const token = await login(s.url);
    await new Promise((r) => setTimeout(r, 1100));
    s.setFaults({ http401OnExpiry: true });
    try {
      const res = await call(s.url, 'POST', RULES_PAGE, {}, { token });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(401);
    } finally {
      s.clearFaults();
    }
  });
});

describe('when the engine runs in cookie mode', () => {
  let s: RunningSimulator;
  beforeAll(async () => { s = await startEngineSimulator({ authMode: 'cookie', username: 'ops', password: 'pw' }); });
  afterAll(async () => { await s.close(); });

  it('sets SZH_SESSION at login and accepts only that cookie', async () => {
    const res = await call<{ token: string }>(s.url, 'POST', '/api/auth/login', { username: 'ops', password: 'pw' });
    const setCookie = res.headers.getSetCookie()[0] ?? '';
    expect(setCookie).toMatch(/^SZH_SESSION=[0-9a-f]+; Path=\//);
    const cookie = setCookie.split(';')[0] as string;
    expect((await call(s.url, 'POST', RULES_PAGE, {}, { cookie })).body.code).toBe(0);
    // The token in the body is not a credential in cookie mode: a client configured for bearer fails here.
    expect((await call(s.url, 'POST', RULES_PAGE, {}, { token: res.body.data.token })).body.code).toBe(401);
  });

  it('invalidates every issued session at once with expireTokensNow, and a new login works', async () => {
    const first = await call(s.url, 'POST', '/api/auth/login', { username: 'ops', password: 'pw' });
    const cookie = (first.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
    s.setFaults({ expireTokensNow: true });
    expect((await call(s.url, 'POST', RULES_PAGE, {}, { cookie })).body.code).toBe(401);
    const second = await call(s.url, 'POST', '/api/auth/login', { username: 'ops', password: 'pw' });
    const fresh = (second.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
    expect((await call(s.url, 'POST', RULES_PAGE, {}, { cookie: fresh })).body.code).toBe(0);
  });
});
