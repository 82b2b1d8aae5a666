import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiUnderTest } from './api-harness.js';

describe('a bridge told to stop while an API request is in flight', () => {
  let api: ApiUnderTest;
  let inFlight: { status: number; points: number } | Error;
  let during: number | string;
  let stopMs = 0;
  beforeAll(async () => {
    api = await startApi();
    api.sim.setFaults({ latencyMs: 1_500 });
    const pending = api.call('GET', '/api/v1/trends?metric=svc_000.f0').then(
      (r) => ({ status: r.status, points: (r.json?.points as unknown[] | undefined)?.length ?? -1 }),
      (err: unknown) => err as Error,
    );
    await new Promise((r) => setTimeout(r, 400)); // the request has reached the engine, which takes 1.5 s
    const started = Date.now();
    const stopping = api.bridge.stop();
    await new Promise((r) => setTimeout(r, 100));
    // A request arriving while the stop drains: refused (503 on a kept-alive socket, or no listener any more).
    during = await fetch(`${api.url}/healthz`).then(
      (r) => r.status,
      (err: unknown) => (err as Error).name,
    );
    inFlight = await pending;
    await stopping;
    stopMs = Date.now() - started;
  });
  afterAll(async () => api?.sim.close());

  it('lets the in-flight request finish with its answer', () => {
    expect(inFlight).toEqual({ status: 200, points: expect.any(Number) });
    expect((inFlight as { points: number }).points).toBeGreaterThan(0);
  });

  it('takes no new request meanwhile', () => {
    expect([503, 'TypeError']).toContain(during);
  });

  it('stops after the in-flight request, well within the drain bound', () => {
    expect(stopMs).toBeGreaterThanOrEqual(900);
    expect(stopMs).toBeLessThan(8_000);
  });
});
