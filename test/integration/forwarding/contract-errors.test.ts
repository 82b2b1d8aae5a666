import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BullmqForwardQueue, ForwardJobData } from '../../../src/infrastructure/bullmq/forward-queue.js';
import { listDeadLetters, replayDeadLetters, type DeadLetterSummary } from '../../../src/interfaces/cli/dead-letters.js';
import type { RunningSimulator } from '../../simulator/index.js';
import { waitFor } from '../../support/bridge-harness.js';
import { services } from '../../support/services.js';
import { backlogPoints, bridgeEnv, bridgeMetric, bridgeStatus, forwardOnlyFixture, runCli } from './forwarding-harness.js';

// The engine changes the shape of its answer (`data.accepted` → `data.acceptedCount`): every push "fails" with a
// contract error although the engine took the data. Such a batch must end as a dead letter (kept, listed,
// replayable), not be dropped and not be retried into the ground.
const START_MS = Date.UTC(2026, 0, 10);
const POINTS = 25;

describe('an engine whose batch answer lost a field', () => {
  let fx: Awaited<ReturnType<typeof forwardOnlyFixture>>;
  let sim: RunningSimulator;
  let queue: BullmqForwardQueue;
  let raw: Queue<ForwardJobData>;
  let prefix: string;
  let port: number;

  beforeAll(async () => {
    // The dead-letter error lines are expected here; AIOPS_TEST_LOG=warn shows them.
    fx = await forwardOnlyFixture({ overrides: { forward: { attempts: 5, backoffBaseMs: 50 } }, logLevel: process.env.AIOPS_TEST_LOG ?? 'fatal' });
    ({ sim, queue, raw, prefix } = fx);
    port = fx.bridge.httpPort ?? 0;
    sim.setFaults({ shapeChange: true });
    await queue.enqueue([{ id: 'contract-1', points: backlogPoints(1, POINTS, START_MS) }]);
  });
  afterAll(async () => {
    await fx?.close();
  });

  // The deployment's environment, as an operator running the CLI next to the service would have it; the
  // command only reads Redis, so it needs no engine password.
  const cliEnv = () => bridgeEnv({ REDIS__URL: services.redisUrl, REDIS__KEYPREFIX: prefix, LOGLEVEL: 'warn' });
  const expectedKeys = (): string[] => backlogPoints(1, POINTS, START_MS).map((p) => `${p.name}|host=${p.tags.host},job=${p.tags.job}|${p.ts}`);

  it('dead-letters the batch after one attempt, naming the missing field', async () => {
    const dead = await waitFor('the batch in the dead-letter state', async () => (await listDeadLetters(raw, 10)).items[0], 20_000);
    expect(dead).toMatchObject<Partial<DeadLetterSummary>>({ id: 'contract-1', points: POINTS, attempts: 1 });
    expect(dead.failedReason).toMatch(/ENGINE\.CONTRACT/);
    expect(dead.failedReason).toContain('data.accepted');
    // Retrying cannot fix a changed API: the engine saw the batch exactly once.
    expect(sim.report().batchesAccepted).toBe(1);
    expect(await bridgeMetric(port, 'aiops_forward_dead_letters_total')).toBe(1);
  });

  it('keeps the breaker closed: the engine answered, it is not down', async () => {
    expect((await bridgeStatus(port)).breaker).toBe('closed');
    expect(await bridgeMetric(port, 'aiops_engine_breaker_state')).toBe(0);
  });

  it('lists the dead letter through the dead-letters CLI as JSON', async () => {
    const env = cliEnv();
    const { code, stdout, stderr } = await runCli(['dead-letters', 'list'], env);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const listed = JSON.parse(stdout) as { total: number; items: DeadLetterSummary[] };
    expect(listed.total).toBe(1);
    expect(listed.items.map((d) => d.id)).toEqual(['contract-1']);
    expect(listed.items[0]?.failedReason).toContain('data.accepted');
  });

  it('delivers the batch on replay once the answer is back in shape', async () => {
    sim.setFaults({ shapeChange: false });
    // The engine did store the points on the failed push; forget them so that what arrives now is the replay.
    sim.reset();
    expect(await replayDeadLetters(raw, ['contract-1'])).toEqual(['contract-1']);
    await waitFor('the replayed points at the engine', async () => sim.report().distinctPoints >= POINTS, 20_000);
    expect(Object.keys(sim.points()).sort()).toEqual(expectedKeys().sort());
    await waitFor('the dead-letter set empty', async () => (await listDeadLetters(raw, 10)).total === 0, 5_000);
    expect(await raw.getJob('contract-1')).toBeUndefined(); // completed jobs are removed
  });

  it('replays through the CLI too', async () => {
    sim.setFaults({ shapeChange: true });
    await queue.enqueue([{ id: 'contract-2', points: backlogPoints(2, POINTS, START_MS) }]);
    await waitFor('the second batch dead-lettered', async () => (await listDeadLetters(raw, 10)).items.find((d) => d.id === 'contract-2'), 20_000);
    sim.setFaults({ shapeChange: false });
    sim.reset();
    const env = cliEnv();
    const { code, stdout } = await runCli(['dead-letters', 'replay', '--all'], env);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ replayed: ['contract-2'], remaining: 0 });
    await waitFor('the CLI-replayed points at the engine', async () => sim.report().distinctPoints >= POINTS, 20_000);
    expect(sim.report().pointsReceived).toBe(POINTS);
  });
});
