import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { pino } from 'pino';
import { loadConfig } from '../../src/infrastructure/config/load-config.js';
import type { AppConfig } from '../../src/infrastructure/config/config-schema.js';
import { lineOf, measurementName, type GeneratorOptions } from './telegraf-generator.js';
import { services, uniqueSuffix } from './services.js';

export const kafka = new Kafka({ clientId: 'test', brokers: [...services.kafkaBrokers], logLevel: logLevel.NOTHING });

/** An allowlist file passing `fields` of the given measurement indexes (generator names). */
export function writeAllowlist(measurements: readonly number[], fields: readonly string[] = ['f0']): string {
  const dir = mkdtempSync(join(tmpdir(), 'allowlist-'));
  const file = join(dir, 'metrics-allowlist.yaml');
  const entries = measurements.map((m) => `  - measurement: ${measurementName(m)}\n    fields: [${fields.join(', ')}]`).join('\n');
  writeFileSync(file, `version: 1\nentries:\n${entries}\n`);
  return file;
}

export async function createTopic(partitions: number): Promise<string> {
  const topic = `metrics-${uniqueSuffix()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  return topic;
}

/** Produces lines [from, to) of the generator, `perMessage` lines per Kafka message, round-robin over partitions. */
export async function produceLines(topic: string, o: GeneratorOptions, from: number, to: number, perMessage: number): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  let batch: { value: string; partition: number }[] = [];
  let n = 0;
  for (let i = from; i < to; i += perMessage) {
    const lines: string[] = [];
    for (let j = i; j < Math.min(to, i + perMessage); j++) lines.push(lineOf(j, o));
    batch.push({ value: lines.join('\n'), partition: n++ % 3 });
    if (batch.length >= 500) {
      await producer.send({ topic, messages: batch });
      batch = [];
    }
  }
  if (batch.length) await producer.send({ topic, messages: batch });
  await producer.disconnect();
}

/** One raw Kafka message (partition 0). */
export async function produceRaw(topic: string, value: string): Promise<void> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  await producer.connect();
  await producer.send({ topic, messages: [{ value, partition: 0 }] });
  await producer.disconnect();
}

/** Sum over partitions of (end offset − committed offset) for a group. */
export async function committedLag(admin: Admin, topic: string, groupId: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return ends.reduce((sum, e) => {
    const c = committed?.partitions.find((p) => p.partition === e.partition);
    const at = c && Number(c.offset) >= 0 ? Number(c.offset) : 0;
    return sum + Number(e.high) - at;
  }, 0);
}

/** Waits until the group has committed to the end of every partition of `topic` (its own admin client). */
export async function waitCommittedToEnd(topic: string, groupId: string, timeoutMs: number, what = 'committed to the end'): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(what, async () => (await committedLag(admin, topic, groupId)) === 0, timeoutMs);
  } finally {
    await admin.disconnect();
  }
}

/** The operator key every test bridge accepts (admin scope): `/api/v1/status` and the API need a key. */
export const TEST_API_KEY = 'test-operator-key-0123456789abcdef';
export const testAuthHeaders = { authorization: `Bearer ${TEST_API_KEY}` } as const;

/** `GET /api/v1/status` of a test bridge, with the test operator's key. */
export async function bridgeStatusOf<T = Record<string, unknown>>(port: number | undefined): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port ?? 0}/api/v1/status`, { headers: testAuthHeaders });
  if (!res.ok) throw new Error(`GET /api/v1/status: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** A bridge configuration for one test: its own topic, group, Redis prefix and engine. */
export function testConfig(opts: { topic: string; engineUrl: string; allowlistFile: string; overrides?: Record<string, unknown> }): AppConfig {
  const id = uniqueSuffix();
  const api = { keys: [{ name: 'test-operator', key: TEST_API_KEY, scopes: ['admin'] }], ...(opts.overrides?.api as object | undefined) };
  return loadConfig({
    env: {},
    overrides: {
      logLevel: process.env.AIOPS_TEST_LOG ?? 'warn',
      redis: { url: services.redisUrl, keyPrefix: `t-${id}` },
      kafka: { brokers: [...services.kafkaBrokers], topic: opts.topic, groupId: `g-${id}`, clientId: `c-${id}` },
      allowlist: { source: 'file', file: opts.allowlistFile },
      engine: { baseUrl: opts.engineUrl, auth: { mode: 'bearer', username: 'admin', password: 'admin123' } },
      http: { port: 0 },
      batch: { maxLingerMs: 200 },
      ...opts.overrides,
      api,
    },
  });
}

export const testLogger = (level = process.env.AIOPS_TEST_LOG ?? 'warn') => pino({ level });

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
