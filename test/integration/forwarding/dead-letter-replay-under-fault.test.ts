import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeadLetters } from '../../../src/interfaces/cli/dead-letters.js';
import { waitFor } from '../../support/bridge-harness.js';
import { services } from '../../support/services.js';
import { backlogPoints, bridgeEnv, bridgeStatus, forwardOnlyFixture, runCli } from './forwarding-harness.js';

// `dead-letters replay --all` run while the fault that made the dead letters is still on: it must replay what
// existed when it started, once (a batch failing again is not replayed in a loop), and stop as soon as the engine
// shows a systemic failure (the breaker open), leaving the rest as dead letters for later.
const START_MS = Date.UTC(2026, 0, 14);
const POINTS = 10;

describe('dead letters replayed while the fault is still on', () => {
  let fx: Awaited<ReturnType<typeof forwardOnlyFixture>>;
  const cliEnv = () => bridgeEnv({ REDIS__URL: services.redisUrl, REDIS__KEYPREFIX: fx.prefix, LOGLEVEL: 'warn' });
  const deadLetterIds = async (): Promise<string[]> => (await listDeadLetters(fx.raw, 100)).items.map((d) => d.id).sort();

  beforeAll(async () => {
    fx = await forwardOnlyFixture({
      overrides: { forward: { attempts: 3, backoffBaseMs: 50 }, breaker: { systemicThreshold: 3, resetTimeoutMs: 30_000 } },
      logLevel: process.env.AIOPS_TEST_LOG ?? 'fatal',
    });
    // A changed answer shape: every push is a (per-batch, not systemic) contract error, so each batch becomes a
    // dead letter after one attempt.
    fx.sim.setFaults({ shapeChange: true });
    await fx.queue.enqueue(Array.from({ length: 30 }, (_, j) => ({ id: `dl-${String(j).padStart(2, '0')}`, points: backlogPoints(j, POINTS, START_MS) })));
    await waitFor('30 dead letters', async () => (await listDeadLetters(fx.raw, 100)).total === 30, 30_000);
  });
  afterAll(async () => {
    await fx?.close();
  });

  it('replays each existing dead letter once; those failing again stay dead letters, nothing loops', async () => {
    const before = await deadLetterIds();
    const received = fx.sim.report().batchesAccepted;
    const { code, stdout } = await runCli(['dead-letters', 'replay', '--all'], cliEnv());
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { replayed: string[]; remaining: number };
    expect(result.replayed.sort()).toEqual(before);
    expect(result.remaining).toBe(0);
    await waitFor('all of them dead letters again', async () => (await deadLetterIds()).length === 30, 20_000);
    expect(await deadLetterIds()).toEqual(before);
    // One more push per dead letter, no more: the replay did not chase the batches that failed again.
    expect(fx.sim.report().batchesAccepted - received).toBe(30);
  });

  it('stops at the first systemic failure and keeps the rest as dead letters', async () => {
    fx.sim.setFaults({ shapeChange: false, gateway: 403 });
    const { code, stdout } = await runCli(['dead-letters', 'replay', '--all'], cliEnv());
    const result = JSON.parse(stdout) as { replayed: string[]; remaining: number; stoppedBecause?: string };
    expect(code).toBe(3);
    expect(result.stoppedBecause).toMatch(/engine circuit (open|half_open)/);
    expect(result.replayed.length).toBeLessThan(30);
    expect(result.remaining).toBe(30 - result.replayed.length);
    expect((await listDeadLetters(fx.raw, 100)).total).toBe(30 - result.replayed.length);
    const status = (await bridgeStatus(fx.bridge.httpPort ?? 0)) as unknown as { breaker: string; engineRejectsUs: { cause: string } | null };
    expect(status.breaker).toBe('open');
    expect(status.engineRejectsUs?.cause).toContain('HTTP 403');
  });
});
