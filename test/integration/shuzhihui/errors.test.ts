import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineError } from '../../../src/application/ports/engine-errors.js';
import { type Sim, engineErrorOf, engineFor, points, startSim } from './support.js';

describe('数智慧 adapter: engine failures become typed errors', () => {
  let sim: Sim;
  let engine: ReturnType<typeof engineFor>;
  beforeAll(async () => {
    sim = await startSim();
    engine = engineFor(sim.url, { timeouts: { requestMs: 1_000, connectMs: 1_000 } });
    await engine.listRules(); // logged in, so faults below hit the calls under test and not the login
  });
  afterAll(async () => {
    await engine.close();
    await sim.close();
  });
  afterEach(async () => {
    await sim.clearFaults();
  });

  describe('when the engine answers HTTP 429 with Retry-After', () => {
    it('is a retryable rate_limited error carrying retryAfterMs', async () => {
      await sim.faults({ rateLimit: { ratio: 1, retryAfterSeconds: 7 } });
      const err = await engineErrorOf(engine.pushMetrics(points(5), 'rl-1'));
      expect(err).toMatchObject({ kind: 'rate_limited', retryable: true, details: { status: 429, retryAfterMs: 7_000 } });
    });
  });

  describe('when the engine says 429 in the envelope under HTTP 200', () => {
    it('is still rate_limited', async () => {
      await sim.faults({ rateLimit: { ratio: 1, retryAfterSeconds: 2, asEnvelope: true } });
      const err = await engineErrorOf(engine.listCurrentAlarms());
      expect(err).toMatchObject({ kind: 'rate_limited', retryable: true, details: { status: 200, engineCode: 429 } });
    });
  });

  describe('when the engine fails with injected errors', () => {
    it('maps envelope 500 under HTTP 200 and HTTP 500 to retryable server errors, gateway 502/503 to unavailable', async () => {
      await sim.faults({ errorRatio: 1 });
      const errors: EngineError[] = [];
      for (let i = 0; i < 40; i++) errors.push(await engineErrorOf(engine.listRules()));
      for (const e of errors) {
        expect(e.retryable).toBe(true);
        if (e.details.status === 502 || e.details.status === 503) expect(e.kind).toBe('unavailable');
        else expect(e.kind).toBe('server');
      }
      expect(errors.some((e) => e.kind === 'server' && e.details.status === 200 && e.details.engineCode === 500)).toBe(true);
      expect(errors.some((e) => e.kind === 'server' && e.details.status === 500)).toBe(true);
      expect(errors.some((e) => e.kind === 'unavailable')).toBe(true);
    });
  });

  describe('when the engine is in an outage', () => {
    it('is a retryable unavailable error for pushes and polls alike, whether it answers 503 or drops the connection', async () => {
      for (const outageMode of ['http503', 'drop'] as const) {
        await sim.faults({ outage: true, outageMode });
        for (const call of [() => engine.pushMetrics(points(5), `outage-${outageMode}`), () => engine.listCurrentAlarms(), () => engine.trend({ metric: 'x.y', tags: {}, startMs: 0, endMs: 1_000, stepSeconds: 1 })]) {
          expect(await engineErrorOf(call())).toMatchObject({ kind: 'unavailable', retryable: true });
        }
      }
    });
  });

  describe('when the engine is slower than the request timeout', () => {
    it('gives up with a retryable unavailable error', async () => {
      await sim.faults({ latencyMs: 1_500 });
      const started = Date.now();
      const err = await engineErrorOf(engine.listRules());
      expect(err).toMatchObject({ kind: 'unavailable', retryable: true });
      expect(err.message).toContain('1000 ms');
      expect(Date.now() - started).toBeLessThan(1_400);
    });
  });

  describe('when the engine changed the shape of its answers', () => {
    it('names the missing field and reports no success, for pushes, trends and lists', async () => {
      await sim.faults({ shapeChange: true });
      const push = await engineErrorOf(engine.pushMetrics(points(5), 'shape-1'));
      expect(push).toMatchObject({ kind: 'contract', retryable: false, details: { field: 'data.accepted' } });
      expect(push.message).toContain('data.accepted: expected number, got undefined');

      const trend = await engineErrorOf(engine.trend({ metric: 'x.y', tags: {}, startMs: Date.now() - 60_000, endMs: Date.now(), stepSeconds: 10 }));
      expect(trend).toMatchObject({ kind: 'contract', details: { field: 'data.points' } });

      const alarms = await engineErrorOf(engine.listCurrentAlarms());
      expect(alarms).toMatchObject({ kind: 'contract', details: { field: 'data.list' } });
      expect(await engineErrorOf(engine.listRules())).toMatchObject({ kind: 'contract', details: { field: 'data.list' } });
    });
  });

  describe('when the engine refuses a request as invalid (code 1001)', () => {
    it('is a non-retryable rejected error with the engine message', async () => {
      const err = await engineErrorOf(
        engine.createRule({ name: 'bad', metric: 'cpu.x', tagFilter: {}, level: 'minor', enabled: true, algorithm: { kind: 'baseline', windowSeconds: -5, sensitivity: 3, direction: 'up', durationSeconds: 60 } }),
      );
      expect(err).toMatchObject({ kind: 'rejected', retryable: false, details: { engineCode: 1001 } });
      expect(err.message).toMatch(/window/);
    });
  });
});
