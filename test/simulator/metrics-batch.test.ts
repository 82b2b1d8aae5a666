import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEngineSimulator, type RunningSimulator } from './index.js';
import { call, login, point } from './sim-client.js';

const BATCH = '/api/v1/metrics/batch';
const T0 = 1_763_950_000_000;

describe('the metrics batch endpoint', () => {
  let s: RunningSimulator;
  let token: string;
  const send = (body: unknown, opts: { gzip?: boolean; requestId?: string } = {}) =>
    call<{ accepted: number }>(s.url, 'POST', BATCH, body, {
      token,
      ...(opts.gzip === undefined ? {} : { gzip: opts.gzip }),
      ...(opts.requestId === undefined ? {} : { headers: { 'X-Request-Id': opts.requestId } }),
    });

  beforeAll(async () => {
    s = await startEngineSimulator();
    token = await login(s.url);
  });
  afterAll(async () => { await s.close(); });
  beforeEach(() => { s.reset(); });

  it('accepts numeric items and counts them by point key', async () => {
    const res = await send({ items: [point('cpu.usage_user', { host: 'web-1', dc: 'sh' }, T0, 12.5), point('cpu.usage_user', { host: 'web-2' }, T0, 3)] });
    expect(res.body).toEqual({ code: 0, msg: 'success', data: { accepted: 2 } });
    expect(s.points()).toEqual({ [`cpu.usage_user|dc=sh,host=web-1|${T0}`]: 1, [`cpu.usage_user|host=web-2|${T0}`]: 1 });
  });

  it('accepts a gzip body', async () => {
    const items = Array.from({ length: 300 }, (_, i) => point('mem.used', { host: 'db-1' }, T0 + i * 1000, i));
    const res = await send({ items }, { gzip: true });
    expect(res.body.data).toEqual({ accepted: 300 });
    expect(s.report().distinctPoints).toBe(300);
  });

  it('refuses more than 5000 items as envelope 413 under HTTP 200, accepting none', async () => {
    const items = Array.from({ length: 5001 }, (_, i) => point('m.f', {}, T0 + i, 1));
    const res = await send({ items });
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(413);
    expect(s.report().pointsReceived).toBe(0);
    expect((await send({ items: items.slice(0, 5000) })).body.data).toEqual({ accepted: 5000 });
  });

  it('refuses a body over 4 MiB, also when it is only that large after gunzip', async () => {
    const padding = 'x'.repeat(1100); // 4000 items × ~1.2 kB ≈ 4.6 MiB
    const items = Array.from({ length: 4000 }, (_, i) => point('m.f', { pad: padding, i: String(i) }, T0 + i, 1));
    const plain = await send({ items });
    expect(plain.body.code).toBe(413);
    const zipped = await send({ items }, { gzip: true });
    expect(zipped.body.code).toBe(413);
    expect(s.report().rejected.tooLarge).toBe(2);
  });

  it.each([
    ['a string value', { value: '12.5' }, 'items[1].value'],
    ['a boolean value', { value: true }, 'items[1].value'],
    ['epoch seconds', { ts: 1_763_950_000 }, 'items[1].ts'],
    ['a numeric tag', { tags: { host: 7 } }, 'items[1].tags.host'],
    ['no metric', { metric: '' }, 'items[1].metric'],
  ])('refuses %s as envelope 1001 naming the field, accepting none', async (_label, patch, field) => {
    const items = [point('m.f', { host: 'a' }, T0, 1), { ...point('m.f', { host: 'b' }, T0, 2), ...patch }];
    const res = await send({ items });
    expect(res.body.code).toBe(1001);
    expect(res.body.msg).toContain(field);
    expect(s.report().pointsReceived).toBe(0);
  });

  it('refuses a body that is not JSON', async () => {
    expect((await send('{"items": [')).body).toMatchObject({ code: 1001, msg: expect.stringContaining('JSON') });
  });

  it('tells repeated points and repeated request ids apart from distinct ones', async () => {
    const items = [point('m.f', { h: 'a' }, T0, 1), point('m.f', { h: 'a' }, T0 + 1000, 2)];
    await send({ items }, { requestId: 'req-1' });
    await send({ items }, { requestId: 'req-1' });
    await send({ items: [point('m.f', { h: 'a' }, T0 + 2000, 3)] }, { requestId: 'req-2' });
    const report = s.report();
    expect(report.pointsReceived).toBe(5);
    expect(report.distinctPoints).toBe(3);
    expect(report.repeatedRequestIds).toBe(1);
    expect(report.duplicateAcceptedRequestIds).toBe(1);
    expect(report.batchesAccepted).toBe(3);
    expect(s.points('m.f')[`m.f|h=a|${T0}`]).toBe(2);
  });
});
