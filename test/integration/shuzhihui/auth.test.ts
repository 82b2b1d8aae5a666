import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIALS, type Sim, engineErrorOf, engineFor, memoryLogger, points, startSim } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('数智慧 adapter: sessions', () => {
  describe('when every token is expired at once and 20 calls are in flight', () => {
    let sim: Sim;
    beforeAll(async () => {
      sim = await startSim({ tokenTtlSeconds: 3600 });
    });
    afterAll(async () => sim.close());
    afterEach(async () => {
      await sim.clearFaults();
    });

    for (const http401OnExpiry of [false, true]) {
      it(`logs in once per expiry and every call succeeds (expiry as ${http401OnExpiry ? 'HTTP 401' : 'envelope 401 under HTTP 200'})`, async () => {
        await sim.faults({ http401OnExpiry });
        const engine = engineFor(sim.url);
        try {
          await engine.listRules(); // the first login
          const before = (await sim.report()).logins;
          for (let round = 0; round < 3; round++) {
            await sim.faults({ expireTokensNow: true });
            const results = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.pushMetrics(points(10, 'auth.burst', { n: String(i) }), `burst-${http401OnExpiry}-${round}-${i}`)));
            expect(results.every((r) => r.accepted === 10)).toBe(true);
          }
          expect((await sim.report()).logins - before).toBe(3);
        } finally {
          await engine.close();
        }
      });
    }
  });

  describe('when tokens live 1 s during a steady stream of pushes', () => {
    let sim: Sim;
    beforeAll(async () => {
      sim = await startSim({ tokenTtlSeconds: 1 });
    });
    afterAll(async () => sim.close());

    it('keeps every push succeeding with at most one login per token lifetime', async () => {
      const engine = engineFor(sim.url);
      const started = Date.now();
      let pushes = 0;
      try {
        while (Date.now() - started < 3_500) {
          const batch = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.pushMetrics(points(5, 'auth.stream', { n: String(i) }), `stream-${pushes}-${i}`)));
          expect(batch.map((r) => r.accepted)).toEqual(Array(20).fill(5));
          pushes += 1;
          await sleep(50);
        }
      } finally {
        await engine.close();
      }
      const { logins } = await sim.report();
      const lifetimes = Math.ceil((Date.now() - started) / 1_000);
      expect(pushes).toBeGreaterThan(10);
      expect(logins).toBeGreaterThanOrEqual(3); // the tokens really expired under us
      expect(logins).toBeLessThanOrEqual(lifetimes + 1);
    });
  });

  describe('in cookie mode', () => {
    let sim: Sim;
    beforeAll(async () => {
      sim = await startSim({ authMode: 'cookie' });
    });
    afterAll(async () => sim.close());

    it('carries the session cookie set at login, and logs in again when it expires', async () => {
      const engine = engineFor(sim.url, { auth: { mode: 'cookie', ...CREDENTIALS } });
      try {
        expect(await engine.pushMetrics(points(3, 'cookie.value'), 'cookie-1')).toEqual({ accepted: 3 });
        await sim.faults({ expireTokensNow: true });
        expect(await engine.pushMetrics(points(3, 'cookie.value'), 'cookie-2')).toEqual({ accepted: 3 });
        expect((await sim.report()).logins).toBe(2);
      } finally {
        await engine.close();
      }
    });

    it('fails with a non-retryable auth error when configured for bearer tokens instead', async () => {
      const engine = engineFor(sim.url);
      try {
        const err = await engineErrorOf(engine.listRules());
        expect(err).toMatchObject({ kind: 'auth', retryable: false });
      } finally {
        await engine.close();
      }
    });
  });

  describe('with a wrong password', () => {
    let sim: Sim;
    beforeAll(async () => {
      sim = await startSim();
    });
    afterAll(async () => sim.close());

    it('fails every waiting call with one non-retryable auth error, without logging the secrets', async () => {
      const log = memoryLogger();
      const engine = engineFor(sim.url, { auth: { mode: 'bearer', username: 'admin', password: 'wrong-secret-77' } }, log);
      try {
        const errors = await Promise.all(Array.from({ length: 5 }, () => engineErrorOf(engine.listCurrentAlarms())));
        for (const e of errors) expect(e).toMatchObject({ kind: 'auth', retryable: false, code: 'ENGINE.AUTH' });
        expect((await sim.report()).rejected['badCredentials']).toBe(1); // the five calls shared one login
        expect(inspect(engine, { depth: 10 })).not.toContain('wrong-secret-77');
        expect(log.lines.join('\n')).not.toContain('wrong-secret-77');
      } finally {
        await engine.close();
      }
    });

    it('never logs the password, token or session cookie on the way to a successful call', async () => {
      const log = memoryLogger();
      const engine = engineFor(sim.url, {}, log);
      try {
        await engine.listRules();
        await sim.faults({ expireTokensNow: true });
        await engine.listRules();
        const text = log.lines.join('\n');
        expect(log.lines.filter((l) => l.includes('engine login'))).toHaveLength(2);
        expect(text).not.toContain(CREDENTIALS.password);
        expect(text).not.toMatch(/eyJ|Bearer|SZH_SESSION/);
        expect(inspect(engine, { depth: 10 })).not.toContain(CREDENTIALS.password);
      } finally {
        await engine.close();
      }
    });
  });
});
