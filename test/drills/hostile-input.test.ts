/**
 * Drill (issue 9): hostile input through the real consumer. Thousands of generated Kafka messages — valid,
 * malformed, oversized, deeply nested, invalid UTF-8, huge numbers, control bytes, out-of-window timestamps,
 * all mixed — go to a fresh topic and through the bridge's ingest and forward roles against the engine
 * simulator. The consumer must never crash, deliver exactly the points an independent reference decoder
 * (./hostile-reference.ts) says, count and quarantine every bad line and refused message with a reason, and
 * commit to the end of the topic. CI form: 10,000 messages; AIOPS_DRILL_FULL=1: 100,000.
 */
import { Redis } from 'ioredis';
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisQuarantine } from '../../src/infrastructure/redis/redis-quarantine.js';
import type { QuarantineEntry } from '../../src/application/ports/quarantine.js';
import { startBridge, type RunningBridge } from '../../src/main.js';
import { startEngineSimulator, type RunningSimulator } from '../simulator/index.js';
import { committedLag, createTopic, kafka, testConfig, testLogger, waitFor } from '../support/bridge-harness.js';
import { services } from '../support/services.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALLOWED, LIMITS, reference, type Verdict } from './hostile-reference.js';

const MESSAGES = process.env.AIOPS_DRILL_FULL === '1' ? 100_000 : 10_000;
const PARTITIONS = 3;
const NOW = Date.now();
const BASE = NOW - 30 * 60_000;

/** mulberry32: a seeded generator, so a failing run can be replayed (the seed is printed on failure). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.AIOPS_DRILL_SEED ?? 20261202);
const rnd = prng(SEED);
const int = (n: number) => Math.floor(rnd() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
const MEASUREMENTS = [...ALLOWED, 'x0', 'x1'];
const VALUES = ['1.5', '-0.25', '42i', '-7i', '9u', 't', 'false', '3', '1e308', '0.001', '"text"'];
const ns = (ms: number) => `${ms}000000`;

function goodLine(i: number, l: number, opts: { ts?: string; tags?: string } = {}): string {
  const tags = opts.tags ?? `,dc=d${int(3)},host=h${int(20)}`;
  const n = 1 + int(3);
  const fields = Array.from({ length: n }, (_, f) => `${f === 2 && int(2) ? 's' : 'f'}${f}=${pick(VALUES)}`).join(',');
  return `${pick(MEASUREMENTS)}${tags} ${fields} ${opts.ts ?? ns(BASE + i * 64 + l)}`;
}

/** Lines that are bad under any reading of line protocol. */
const BAD_LINES: Array<(i: number, l: number) => string | Buffer> = [
  (i, l) => `m0,host=h1 f0=oops ${ns(BASE + i * 64 + l)}`,
  (i, l) => `m1,host=h1 ${ns(BASE + i * 64 + l)}`,
  (i, l) => `m2 f0=1e400 ${ns(BASE + i * 64 + l)}`,
  (i, l) => `m3,host=h1 f0=99999999999999999999i ${ns(BASE + i * 64 + l)}`,
  () => `m4,host=h1 f0=1 12a3`,
  (i, l) => `m0,host=h\x01x f0=1 ${ns(BASE + i * 64 + l)}`,
  (i, l) => Buffer.concat([Buffer.from('m1,host=h'), Buffer.from([0xff, 0xfe]), Buffer.from(` f0=1 ${ns(BASE + i * 64 + l)}`)]),
  () => Buffer.from([0x01, 0x02, 0x67, 0x61, 0x72, 0x62, 0x61, 0x67, 0x65, 0x1b]),
  (i, l) => `m2,host=h1 ${Array.from({ length: 25 }, (_, f) => `f${f}=1`).join(',')} ${ns(BASE + i * 64 + l)}`,
  (i, l) => `m3,${Array.from({ length: 20 }, (_, t) => `t${String(t).padStart(2, '0')}=v`).join(',')} f0=1 ${ns(BASE + i * 64 + l)}`,
  (i, l) => `${'m'.repeat(70)},host=h1 f0=1 ${ns(BASE + i * 64 + l)}`,
  (i, l) => `m4,host=h1 ${'k'.repeat(70)}=1 ${ns(BASE + i * 64 + l)}`,
];

/** Lines that parse but whose points the engine would refuse. */
const OUT_OF_RULES: Array<(i: number, l: number) => string> = [
  (i, l) => goodLine(i, l, { ts: '0' }),
  (i, l) => goodLine(i, l, { ts: ns(NOW + 2 * 3_600_000 + l) }),
  (i, l) => goodLine(i, l, { tags: `,host=${'v'.repeat(300)}` }),
];

const jsonMetric = (name: string, host: string, fields: string, ts: number) => `{"name":"${name}","tags":{"host":"${host}"},"fields":${fields},"timestamp":${ts}}`;
const jsonFields = () => `{"f0":${pick(['1.5', '2', 'true', '1e308'])},"s":"x"}`;

function message(i: number): Buffer | null {
  const kind = int(100);
  const lines = (n: number, f: (l: number) => string | Buffer) => Buffer.concat(Array.from({ length: n }, (_, l) => [Buffer.from(l ? '\n' : ''), toBuf(f(l))]).flat());
  if (kind < 40) return lines(1 + int(6), (l) => goodLine(i, l));
  if (kind < 60) return lines(2 + int(6), (l) => (int(3) === 0 ? pick(BAD_LINES)(i, l) : goodLine(i, l)));
  if (kind < 66) return lines(2 + int(4), (l) => (int(2) === 0 ? pick(OUT_OF_RULES)(i, l) : goodLine(i, l)));
  if (kind < 68) return lines(500, (l) => goodLine(i, l)); // over maxMessageBytes (≥ 41 bytes a line)
  if (kind < 70) return lines(LIMITS.maxLinesPerMessage + 10, (l) => `m0,host=h${l} f0=${l} ${ns(BASE + i * 64)}`);
  if (kind < 73) return Buffer.from(`{"metrics":[${'['.repeat(5000)}${']'.repeat(5000)}]}`);
  if (kind < 83) {
    const n = 1 + int(4);
    return Buffer.from(`{"metrics":[${Array.from({ length: n }, (_, k) => jsonMetric(pick(MEASUREMENTS), `j${i}`, jsonFields(), Math.floor(BASE / 1000) + k)).join(',')}]}`);
  }
  if (kind < 86) return Buffer.from(`{"metrics":[${jsonMetric('m0', `j${i}`, '{"f0":1e400}', Math.floor(BASE / 1000))},${jsonMetric('m1', `j${i}`, '{"f0":1}', Math.floor(BASE / 1000))}]}`);
  if (kind < 88) return Buffer.from(`{"metrics":[{"name":"m0","fields":{"f0":1`);
  if (kind < 90) return Buffer.from(`${jsonMetric('m2', `j${i}`, '{"f0":3}', Math.floor(BASE / 1000))}\n${jsonMetric('m3', `j${i}`, '{"f0":4}', Math.floor(BASE / 1000))}\n{"name":`);
  if (kind < 92) return Buffer.concat([Buffer.from(`{"metrics":[${jsonMetric('m4', `j${i}`, '{"f0":5}', Math.floor(BASE / 1000))},{"name":"m0","tags":{"host":"`), Buffer.from([0xc3, 0x28]), Buffer.from(`"},"fields":{"f0":6},"timestamp":${Math.floor(BASE / 1000)}}]}`)]);
  if (kind < 94) return Buffer.from(`{"name":"m1","fields":{},"timestamp":1}`);
  if (kind < 96) return Buffer.from(`# a comment\n${goodLine(i, 1)}\n\n   \n${goodLine(i, 2)}`);
  if (kind < 98) return null;
  return Buffer.from([0x01, ...Array.from({ length: 200 }, () => 0x20 + int(0x5e))]);
}

const toBuf = (x: string | Buffer): Buffer => (typeof x === 'string' ? Buffer.from(x) : x);

describe(`hostile input drill (${MESSAGES} messages, seed ${SEED})`, () => {
  let sim: RunningSimulator;
  let bridge: RunningBridge;
  let topic: string;
  let groupId: string;
  let keyPrefix: string;
  let crashes = 0;
  const verdicts: Array<{ partition: number; offset: number; verdict: Verdict }> = [];
  const expected = new Set<string>();

  beforeAll(async () => {
    sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
    topic = await createTopic(PARTITIONS);
    const dir = mkdtempSync(join(tmpdir(), 'allowlist-'));
    const file = join(dir, 'metrics-allowlist.yaml');
    writeFileSync(file, `version: 1\nentries:\n${ALLOWED.map((m) => `  - measurement: ${m}\n`).join('')}`);
    const config = testConfig({
      topic,
      engineUrl: sim.url,
      allowlistFile: file,
      // Every bad line must reach the quarantine here, so the flood bound (1,000 a second) is lifted.
      overrides: { ingest: { limits: LIMITS, quarantinePerSecond: 10_000_000 } },
    });
    groupId = config.kafka.groupId;
    keyPrefix = config.redis.keyPrefix;
    bridge = await startBridge(config, testLogger());
    const consumer = bridge.kafka?.consumer;
    consumer?.on(consumer.events.CRASH, () => crashes++);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    const next = [0, 0, 0];
    let batch: Array<{ value: Buffer | null; partition: number }> = [];
    for (let i = 0; i < MESSAGES; i++) {
      const value = message(i);
      const partition = i % PARTITIONS;
      const verdict = reference(value ?? Buffer.alloc(0), NOW);
      verdicts.push({ partition, offset: next[partition]!++, verdict });
      for (const k of verdict.points) expected.add(k);
      batch.push({ value, partition });
      if (batch.length >= 500) {
        await producer.send({ topic, messages: batch });
        batch = [];
      }
    }
    if (batch.length) await producer.send({ topic, messages: batch });
    await producer.disconnect();
  }, 120_000);

  afterAll(async () => {
    await bridge?.stop();
    await sim?.close();
  });

  it('delivers exactly the points the reference decoder says, each once, without a consumer crash', async () => {
    // The generator must really exercise every path, or the drill proves little.
    const refused = verdicts.filter((v) => v.verdict.refused !== null);
    expect(new Set(refused.map((v) => v.verdict.refused))).toEqual(new Set(['message_too_large', 'too_many_lines', 'too_deep']));
    expect(verdicts.reduce((n, v) => n + v.verdict.badLines, 0)).toBeGreaterThan(MESSAGES / 10);
    expect(verdicts.reduce((n, v) => n + v.verdict.invalidPoints, 0)).toBeGreaterThan(MESSAGES / 100);
    expect(expected.size).toBeGreaterThan(MESSAGES);

    await waitFor('every expected point at the engine', async () => sim.report().distinctPoints >= expected.size, 90_000);
    const received = sim.points();
    const unexpected = Object.keys(received).filter((k) => !expected.has(k));
    const missing = [...expected].filter((k) => !(k in received));
    expect(unexpected.slice(0, 5)).toEqual([]);
    expect(missing.slice(0, 5)).toEqual([]);
    expect(Object.entries(received).filter(([, n]) => n !== 1)).toEqual([]);
    expect(crashes).toBe(0);
  }, 120_000);

  it('commits the consumer group to the end of every partition', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await waitFor('committed offsets at the end', async () => (await committedLag(admin, topic, groupId)) === 0, 30_000);
      expect(await committedLag(admin, topic, groupId)).toBe(0);
    } finally {
      await admin.disconnect();
    }
  }, 60_000);

  it('quarantines every refused message with its position and reason, and every bad line', async () => {
    const redis = new Redis(services.redisUrl);
    try {
      const quarantine = new RedisQuarantine(redis, { keyPrefix });
      const wanted = verdicts.reduce((n, v) => n + (v.verdict.refused ? 1 : v.verdict.badLines + v.verdict.invalidLines), 0);
      const entries = await waitFor(
        'the quarantine written',
        async () => {
          const all: QuarantineEntry[] = [];
          let before: string | undefined;
          do {
            const page = await quarantine.list({ limit: 1000, before });
            all.push(...page.entries);
            before = page.next;
          } while (before);
          return all.length >= wanted ? all : undefined;
        },
        30_000,
      );
      expect(entries).toHaveLength(wanted);
      expect(entries.every((e) => e.reason !== '' && e.topic === topic)).toBe(true);
      const MESSAGE_REASONS = ['message_too_large', 'too_many_lines', 'too_deep', 'decode_error'];
      const refusedSeen = entries.filter((e) => MESSAGE_REASONS.includes(e.reason)).map((e) => `${e.partition}@${e.offset}:${e.reason}`).sort();
      const refusedWanted = verdicts.filter((v) => v.verdict.refused).map((v) => `${v.partition}@${v.offset}:${v.verdict.refused}`).sort();
      expect(refusedSeen).toEqual(refusedWanted);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it('counts every bad line, refused message and invalid point by reason in /metrics', async () => {
    const badWanted = verdicts.reduce((n, v) => n + (v.verdict.refused ? 1 : v.verdict.badLines), 0);
    const invalidWanted = verdicts.reduce((n, v) => n + v.verdict.invalidPoints, 0);
    const sum = async (get: () => Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }>, reason?: string) =>
      (await get()).values.filter((x) => reason === undefined || x.labels.reason === reason).reduce((n, x) => n + x.value, 0);
    const metrics = bridge.metrics;
    await waitFor('the tally flushed', async () => (await sum(() => metrics.badLines.get())) >= badWanted, 20_000);
    expect(await sum(() => metrics.badLines.get())).toBe(badWanted);
    expect(await sum(() => metrics.pointsDropped.get(), 'invalid_point')).toBe(invalidWanted);
    expect(await sum(() => metrics.badLines.get(), 'too_deep')).toBe(verdicts.filter((v) => v.verdict.refused === 'too_deep').length);
  }, 60_000);
});
