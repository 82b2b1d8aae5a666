import { Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridge, type RunningBridge } from '../../../src/main.js';
import { startEngineSimulator, type RunningSimulator, type SimReport } from '../../simulator/index.js';
import { createTopic, kafka, testConfig, testLogger, waitFor, writeAllowlist } from '../../support/bridge-harness.js';
import { lineOf, pointKey, pointsOfLine, type GeneratorOptions } from '../../support/telegraf-generator.js';
import { bridgeStatus, dropKeys, requestsPerSecond, sleep } from './forwarding-harness.js';

// A steady stream of metrics through a running bridge (Kafka → ingest → queue → forward) while the engine
// misbehaves in every way the issue lists, one after another and overlapping:
//   - tokens expire every 3 s for the whole run (the issue says 30 s; 3 s gives ~30 expiries in a short test);
//   - 30% of requests fail with 5xx (HTTP 500 JSON, 502/503 gateway HTML, envelope 500) for the whole run;
//   - a 429 storm with Retry-After for 6 s;
//   - a 60-second outage (half refused with 503, half dropped connections).
// Nothing may be lost, repeats stay under 1%, and the engine never sees more than the cap in any second. The cap
// is set below the default 100/s so that the drain after the outage would exceed it if the configured cap were
// not the one enforced.
const CAP = 80;
const gen: GeneratorOptions = { measurements: 10, fieldsPer: 1, hosts: 10, startMs: Date.UTC(2026, 2, 1) };
const ALLOWED = [0, 1, 2, 3, 4];
const LINES_PER_TICK = 100;
const TICK_MS = 250; // 400 lines/s, 200 allowlisted points/s
const STORM_AT_MS = 8_000;
const OUTAGE_AT_MS = 14_000;
const OUTAGE_MS = 60_000;
const STREAM_FOR_MS = OUTAGE_AT_MS + OUTAGE_MS + 6_000;

/** Produces the generator's lines in order, LINES_PER_TICK per tick, until stopped; returns how many it sent. */
function startStream(producer: Producer, topic: string): { stop(): Promise<number> } {
  let sent = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const started = Date.now();
      const messages = Array.from({ length: LINES_PER_TICK / 10 }, (_, m) => ({
        value: Array.from({ length: 10 }, (_, j) => lineOf(sent + m * 10 + j, gen)).join('\n'),
        partition: m % 3,
      }));
      await producer.send({ topic, messages });
      sent += LINES_PER_TICK;
      await sleep(TICK_MS - (Date.now() - started));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return sent;
    },
  };
}

describe('a bridge forwarding a stream to a faulty engine', () => {
  let sim: RunningSimulator;
  let bridge: RunningBridge;
  let producer: Producer;
  let prefix: string;
  let lines = 0;
  let report: SimReport;
  const observed = { breakerOpenDuringOutage: false, ingestPausedDuringOutage: false };

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 3 });
    const topic = await createTopic(3);
    const config = testConfig({
      topic,
      engineUrl: sim.url,
      allowlistFile: writeAllowlist(ALLOWED),
      overrides: {
        batch: { maxPoints: 25, maxLingerMs: 200 },
        engine: { baseUrl: sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' }, rateLimitPerSecond: CAP, timeoutMs: 5_000 },
        // Shorter than production's 60-s retry ceiling and 10-s open period, to keep the test short: after the
        // outage the half-open probe itself meets the 30% errors (and a login), so closing takes a few periods.
        forward: { backoffBaseMs: 200, backoffMaxMs: 2_000 },
        breaker: { resetTimeoutMs: 2_000 },
      },
    });
    prefix = config.redis.keyPrefix;
    bridge = await startBridge(config, testLogger(process.env.AIOPS_TEST_LOG ?? 'fatal'));
    const port = bridge.httpPort ?? 0;
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();

    sim.setFaults({ errorRatio: 0.3 });
    const t0 = Date.now();
    const stream = startStream(producer, topic);
    await sleep(STORM_AT_MS);
    sim.setFaults({ rateLimit: { ratio: 0.3, retryAfterSeconds: 1 } });
    await sleep(OUTAGE_AT_MS - STORM_AT_MS);
    sim.setFaults({ rateLimit: null, outage: true, outageMode: 'mixed' });
    while (Date.now() - t0 < OUTAGE_AT_MS + OUTAGE_MS) {
      const status = await bridgeStatus(port);
      if (status.breaker === 'open') observed.breakerOpenDuringOutage = true;
      if (status.ingestPaused === true) observed.ingestPausedDuringOutage = true;
      await sleep(500);
    }
    sim.setFaults({ outage: false });
    await sleep(STREAM_FOR_MS - (Date.now() - t0));
    lines = await stream.stop();

    const expected = expectedCount(lines);
    await waitFor('every allowlisted point at the engine', async () => sim.report().distinctPoints >= expected, 90_000, 500);
    report = sim.report();
  }, 240_000);
  afterAll(async () => {
    await producer?.disconnect();
    await bridge?.stop();
    await sim?.close();
    if (prefix) await dropKeys(prefix);
  });

  const expectedKeys = (to: number): Set<string> => {
    const keys = new Set<string>();
    for (let i = 0; i < to; i++) for (const p of pointsOfLine(i, gen)) if (ALLOWED.includes(i % gen.measurements)) keys.add(pointKey(p));
    return keys;
  };
  const expectedCount = (to: number): number => expectedKeys(to).size;

  it('was hit by every fault it was meant to survive', () => {
    expect(report.rejected.expired ?? 0).toBeGreaterThan(5);
    expect(report.logins).toBeGreaterThan(5);
    expect(report.rejected.injectedError ?? 0).toBeGreaterThan(50);
    // Each 429 carries Retry-After: 1 s and blocks the whole fleet's budget for that second, so a 6-s storm can
    // draw at most ~6 of them and typically draws 3-5 (CI once saw exactly 3); one proves the storm hit.
    expect(report.rejected.rateLimited ?? 0).toBeGreaterThan(0);
    expect(report.rejected.outage ?? 0).toBeGreaterThan(0);
    expect(observed).toEqual({ breakerOpenDuringOutage: true, ingestPausedDuringOutage: true });
  });

  it('delivers every allowlisted point and nothing else', () => {
    const expected = expectedKeys(lines);
    expect(lines).toBeGreaterThan(20_000);
    expect(report.distinctPoints).toBe(expected.size);
    const received = Object.keys(sim.points());
    expect(received.filter((k) => !expected.has(k))).toEqual([]);
    expect(received.length).toBe(expected.size);
  });

  it('repeats under 1% of the points', () => {
    expect(report.pointsReceived - report.distinctPoints).toBeLessThan(report.distinctPoints * 0.01);
  });

  it('never exceeds the configured cap in any second, logins included', () => {
    expect(report.maxRequestsPerSecond).toBeLessThanOrEqual(CAP);
    expect(Math.max(...requestsPerSecond(report).values())).toBeLessThanOrEqual(CAP);
  });

  it('leaves no dead letters behind', async () => {
    const status = await bridgeStatus(bridge.httpPort ?? 0);
    expect(status.forwardBacklog.failed).toBe(0);
  });
});
