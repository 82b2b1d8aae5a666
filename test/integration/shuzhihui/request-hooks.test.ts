import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetGrant, CallClass, CallOutcome } from '../../../src/application/ports/engine-budget.js';
import { createShuzhihuiEngine } from '../../../src/infrastructure/engines/shuzhihui/index.js';
import { CREDENTIALS, startSim } from './support.js';

describe('the adapter with request hooks (fleet-wide budget)', () => {
  let sim: Awaited<ReturnType<typeof startSim>>;
  beforeAll(async () => {
    sim = await startSim({ tokenTtlSeconds: 600 });
  });
  afterAll(async () => sim.close());

  it('asks the budget before every HTTP request — logins, chunks and pages included — with the right class', async () => {
    const before: CallClass[] = [];
    const after: CallOutcome[] = [];
    const engine = createShuzhihuiEngine({ baseUrl: sim.url, auth: { mode: 'bearer', ...CREDENTIALS }, pageSize: 2 }, undefined, {
      beforeRequest: async (cls) => void before.push(cls),
      afterResponse: (o) => void after.push(o),
    });
    const points = Array.from({ length: 12_001 }, (_, i) => ({ name: 'hook.test', tags: { host: 'h' }, ts: 1_763_950_000_000 + i, value: i }));
    await engine.pushMetrics(points, 'hooks-1');
    await engine.listCurrentAlarms();
    await engine.listRules();
    const report = await sim.report();
    expect(before.length).toBe(report.requestsTotal);
    expect(before.filter((c) => c === 'bulk').length).toBe(1 + 3); // the login (first call was a push) + 3 chunks
    expect(before.filter((c) => c === 'poll').length).toBeGreaterThanOrEqual(1);
    expect(before.filter((c) => c === 'interactive').length).toBeGreaterThanOrEqual(1);
    expect(after.length).toBe(before.length - 1); // every data request reports; the login does not
    expect(after.every((o) => o.result === 'ok')).toBe(true);
    await engine.close();
  });

  it('hands every grant back once its request is answered: data requests with their outcome, the login without', async () => {
    await sim.reset();
    let issued = 0;
    const withOutcome: string[] = [];
    const bare: string[] = [];
    const grant = (cls: CallClass): BudgetGrant => ({ cls, token: `g${++issued}`, grantedAtMs: 0, askedAt: 0 });
    const engine = createShuzhihuiEngine({ baseUrl: sim.url, auth: { mode: 'bearer', ...CREDENTIALS } }, undefined, {
      beforeRequest: async (cls) => grant(cls),
      afterResponse: (_o, g) => void withOutcome.push(g?.token ?? 'none'),
      answered: (g) => void bare.push(g.token),
    });
    await engine.listRules();
    await sim.faults({ expireTokensNow: true });
    await engine.listRules(); // expired token: a re-login, then the request once more
    expect(issued).toBe(5); // login, rules; rules (refused), login, rules
    expect(bare).toEqual(['g1', 'g4']);
    expect(withOutcome).toEqual(['g2', 'g3', 'g5']);
    await engine.close();
  });

  it('reports a 429 as rate_limited with Retry-After, and an error from beforeRequest sends nothing', async () => {
    await sim.reset();
    const after: CallOutcome[] = [];
    const engine = createShuzhihuiEngine({ baseUrl: sim.url, auth: { mode: 'bearer', ...CREDENTIALS } }, undefined, {
      beforeRequest: async () => undefined,
      afterResponse: (o) => void after.push(o),
    });
    await engine.listRules();
    await sim.faults({ rateLimit: { ratio: 1, retryAfterSeconds: 3 } });
    await expect(engine.listRules()).rejects.toMatchObject({ kind: 'rate_limited' });
    expect(after.at(-1)).toMatchObject({ result: 'rate_limited', retryAfterMs: 3000 });
    await sim.clearFaults();
    const blocked = createShuzhihuiEngine({ baseUrl: sim.url, auth: { mode: 'bearer', ...CREDENTIALS } }, undefined, {
      beforeRequest: async () => {
        throw new Error('circuit open');
      },
      afterResponse: () => undefined,
    });
    const sent = (await sim.report()).requestsTotal;
    await expect(blocked.listRules()).rejects.toThrow('circuit open');
    expect((await sim.report()).requestsTotal).toBe(sent);
    await engine.close();
    await blocked.close();
  });
});
