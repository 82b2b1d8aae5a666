/**
 * Ingest throughput of one bridge process: Kafka (6 partitions, 2,000,000 Telegraf lines of the peers benchmark's
 * realistic traffic, 200 lines per message as Telegraf's Kafka output batches) → decode → allowlist (10,000
 * entries, ~10% of the lines pass) → batches →
 * BullMQ in Redis → offsets committed. The bridge runs with roles [ingest, api] — no forward worker — so the
 * measured path ends at the durable enqueue (the real BullmqForwardQueue, real Redis) and the commit after it;
 * backpressure is set out of the way. Timed from the bridge's `aiops-bridge started` line (consumer joined,
 * fetching) to the moment the group's committed offsets reach the end of every partition.
 * `metrics` = Telegraf lines decoded (`fields_per_line` says how many points each carries). `--traffic light` runs
 * the earlier light shape (2 tags, 5 short fields per line) for comparison with older figures.
 *
 * Also measured: a bare kafkajs consumer (same fetch settings, eachBatch does nothing) over the same topic, in its
 * own process, to tell whether kafkajs is the ceiling; and the bridge's peak RSS (VmHWM) and CPU time.
 *
 * Run: `npx tsx bench/ingest.ts [--lines 2000000] [--per-message 200] [--traffic realistic|light] [--ahead-h 0] [--profile]` (`--profile`: the bridge runs
 * with --cpu-prof and a self-time summary is printed to stderr). Last line: one JSON object.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaConfig } from '../src/infrastructure/config/config-schema.js';
import { services, uniqueSuffix } from '../test/support/services.js';
import { lineOf, measurementName, type GeneratorOptions } from '../test/support/telegraf-generator.js';
import { SERVICE_NODE_FLAGS, buildBridge, cpuSecondsOf, memoryOf, root, servicesUp, sleep, spawnBridge } from './support/bridge-process.js';
import { printSummary, summarizeProfile } from './support/cpu-profile.js';
import { dropKeys, produceLines, waitCommittedEnd } from './support/kafka-topic.js';
import { RealisticTelegraf } from './support/realistic-telegraf.js';


const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '2000000' },
    'per-message': { type: 'string', default: '200' },
    partitions: { type: 'string', default: '6' },
    profile: { type: 'boolean', default: false },
    /**
     * `realistic` (default): bench/support/realistic-telegraf.ts, the traffic of the peers benchmark (~238 B, 7.8
     * fields, 5–6 tags per line; 10,000 allowlisted names, ~10 % of lines pass). `light`: the earlier shape
     * (test/support/telegraf-generator.ts: 2 tags and 5 short fields per line), kept for comparison.
     */
    traffic: { type: 'string', default: 'realistic' },
    'ahead-h': { type: 'string', default: '0' },
    /**
     * Node flags for the bridge process, space-separated. Default: the service's own (`config.nodeFlags` in
     * package.json, what `npm start` runs with), so the bench measures the service as deployed.
     */
    'node-args': { type: 'string', default: SERVICE_NODE_FLAGS },
    /** Bridge configuration overrides as JSON, merged one level deep (experiments: '{"kafka":{"maxBytesPerPartition":1048576}}'). */
    set: { type: 'string', default: '{}' },
    // internal: the bare-consumer child
    'raw-consume': { type: 'string' },
    'raw-messages': { type: 'string' },
  },
});

const MAX_BYTES_PER_PARTITION = new KafkaConfig().maxBytesPerPartition; // the bridge's default fetch size
const kafka = new Kafka({ clientId: 'bench-ingest', brokers: [...services.kafkaBrokers], logLevel: logLevel.NOTHING });
const err = (line: string): boolean => process.stderr.write(`${line}\n`);

if (args['raw-consume']) {
  await rawConsume(args['raw-consume'], Number(args['raw-messages']));
  process.exit(0);
}

const LINES = Number(args.lines);
const PER_MESSAGE = Number(args['per-message']);
const PARTITIONS = Number(args.partitions);
const MEASUREMENTS = 10_000;
const LIGHT_FIELDS = 5;
const PASSING_MEASUREMENTS = 1_000; // light: every field of svc_0000…svc_0999: 10% of the lines, 10% of the points
const gen: GeneratorOptions = { measurements: MEASUREMENTS, fieldsPer: LIGHT_FIELDS, hosts: 200, startMs: Date.UTC(2026, 10, 25) };
const realistic = args.traffic === 'realistic' ? new RealisticTelegraf(42) : undefined;
if (!realistic && args.traffic !== 'light') throw new Error(`--traffic realistic|light, not ${args.traffic}`);
const MESSAGES = Math.ceil(LINES / PER_MESSAGE);

servicesUp('redis', 'kafka');
const script = buildBridge();
const id = uniqueSuffix();
const topic = `bench-ingest-${id}`;
const groupId = `bench-ingest-${id}`;
const keyPrefix = `bench-${id}`;
const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
const admin = kafka.admin();
await admin.connect();

try {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  // --ahead-h: a producer whose clock runs that many hours ahead (over 1 h, every point is refused: a flood).
  const lines = realistic ? realistic.iterate(LINES, realistic.startFor(LINES) + Number(args['ahead-h']) * 3_600_000) : lightLines();
  const produced = await produceLines(kafka, topic, lines, PER_MESSAGE, PARTITIONS);
  const fieldsSeen = produced.fields;
  err(`produced ${LINES.toLocaleString('en')} lines in ${MESSAGES.toLocaleString('en')} messages (${(produced.bytes / 1e6).toFixed(0)} MB) in ${produced.ms} ms`);

  const allowlistFile = join(dir, 'metrics-allowlist.yaml');
  writeFileSync(allowlistFile, allowlistYaml());

  const raw = await runRawConsumer();
  err(`bare kafkajs consumer: ${MESSAGES} messages in ${raw.ms} ms → ${Math.round((LINES / raw.ms) * 1000).toLocaleString('en')} lines/s`);

  const bridge = await runBridge(allowlistFile);
  const result = {
    bench: 'ingest',
    metrics_per_s: Math.round((LINES / bridge.ms) * 1000),
    rss_mb: Math.round(bridge.peakMb),
    kafkajs_raw_per_s: Math.round((LINES / raw.ms) * 1000),
    metric: 'telegraf line decoded',
    lines: LINES,
    traffic: args.traffic,
    fields_per_line: Math.round((fieldsSeen / LINES) * 10) / 10,
    lines_per_message: PER_MESSAGE,
    partitions: PARTITIONS,
    allowlist_entries: MEASUREMENTS,
    points_enqueued: bridge.accepted,
    pass_ratio: Math.round((bridge.accepted / fieldsSeen) * 1000) / 1000,
    seconds: Math.round(bridge.ms) / 1000,
    // Between 10% and 90% committed: without the group join and the last batch's linger (batch.maxLingerMs).
    steady_metrics_per_s: Math.round(bridge.steadyPerS),
    cpu_seconds: Math.round(bridge.cpuSeconds * 10) / 10,
    metrics_per_cpu_s: Math.round(LINES / bridge.cpuSeconds),
    rss_mb_steady_max: Math.round(bridge.sampledMaxMb),
    mb_per_s: Math.round((produced.bytes / 1e6 / bridge.ms) * 1000 * 10) / 10,
    path: 'kafka → decode → allowlist → batch (5000) → BullMQ addBulk (Redis) → commit; forward off',
    runtime: script ? 'node (compiled, as dist/main.js)' : 'node --import tsx',
    node: process.version,
  };
  console.log(JSON.stringify(result));
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await dropKeys(keyPrefix);
  rmSync(dir, { recursive: true, force: true });
}

function allowlistYaml(): string {
  const out = ['version: 1', 'entries:'];
  if (realistic) return `${[...out, ...realistic.allowlistedMeasurements().map((n) => `  - measurement: ${n}`)].join('\n')}\n`;
  for (let m = 0; m < MEASUREMENTS; m++) {
    // 1,000 entries pass every field; 9,000 name a measurement that flows but a field it never has.
    if (m < PASSING_MEASUREMENTS) out.push(`  - measurement: ${measurementName(m)}`);
    else out.push(`  - measurement: ${measurementName(m)}`, '    fields: [p99_latency]');
  }
  return `${out.join('\n')}\n`;
}

/** The bare consumer, in its own process like the bridge: prints {ms} once it has seen every message. */
async function runRawConsumer(): Promise<{ ms: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ingest.ts', '--raw-consume', topic, '--raw-messages', String(MESSAGES)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last = '';
  for await (const line of createInterface({ input: child.stdout })) last = line;
  return JSON.parse(last) as { ms: number };
}

async function rawConsume(t: string, messages: number): Promise<void> {
  const consumer = kafka.consumer({
    groupId: `bench-raw-${uniqueSuffix()}`,
    maxBytesPerPartition: MAX_BYTES_PER_PARTITION,
    maxBytes: MAX_BYTES_PER_PARTITION * 4,
    maxWaitTimeInMs: 1_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: t, fromBeginning: true });
  let seen = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  // run() resolves once the group is joined and fetching is scheduled: the same moment the bridge logs "started".
  await consumer.run({
    eachBatch: async ({ batch }) => {
      seen += batch.messages.length;
      if (seen >= messages) finished();
    },
  });
  const started = Date.now();
  await done;
  const ms = Date.now() - started;
  await consumer.disconnect();
  console.log(JSON.stringify({ ms }));
}

interface BridgeRun {
  readonly ms: number;
  readonly peakMb: number;
  readonly sampledMaxMb: number;
  readonly cpuSeconds: number;
  readonly accepted: number;
  readonly steadyPerS: number;
}

async function runBridge(allowlistFile: string): Promise<BridgeRun> {
  const profileDir = join(dir, 'profile');
  const config: Record<string, unknown> = {
    roles: ['ingest', 'api'],
    logLevel: 'info',
    redis: { url: services.redisUrl, keyPrefix },
    kafka: { brokers: [...services.kafkaBrokers], topic, groupId, clientId: groupId, fromBeginning: true },
    allowlist: { source: 'file', file: allowlistFile },
    http: { port: 0 },
    engine: { auth: { password: 'unused-forward-is-off' } },
    // Backpressure out of the way: nothing forwards here, and pausing is not what is measured.
    forward: { highWater: 1_000_000, lowWater: 500_000 },
  };
  for (const [k, v] of Object.entries(JSON.parse(args.set) as Record<string, object>)) config[k] = { ...(config[k] as object), ...v };
  const bridge = spawnBridge(
    config,
    {
      name: 'bridge',
      script,
      nodeArgs: [...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...args['node-args'].split(' ').filter(Boolean)],
    },
  );
  try {
    const started = await bridge.waitForLog((l) => l.msg === 'aiops-bridge started', 60_000);
    const cpuAtStart = cpuSecondsOf(bridge.pid);
    const httpPort = started.httpPort as number;
    let sampledMaxMb = 0;
    const sampler = setInterval(() => (sampledMaxMb = Math.max(sampledMaxMb, memoryOf(bridge.pid).rssMb)), 100);
    const { end, steadyPerMs } = await waitCommittedEnd(admin, topic, groupId, { timeoutMs: 300_000 });
    clearInterval(sampler);
    const cpuSeconds = cpuSecondsOf(bridge.pid) - cpuAtStart;
    const ms = end - started.time;
    // Cross-check what "metrics" counted: the bridge's own counters (flushed every 5 s).
    let decoded = 0;
    let accepted = 0;
    for (let i = 0; i < 80 && decoded < LINES; i++) {
      const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      decoded = sampleOf(text, 'aiops_ingest_lines_total');
      accepted = sampleOf(text, 'aiops_ingest_points_accepted_total');
      if (decoded < LINES) await sleep(100);
    }
    if (decoded !== LINES) throw new Error(`the bridge decoded ${decoded} lines, expected ${LINES}`);
    const { peakMb } = memoryOf(bridge.pid);
    return { ms, peakMb, sampledMaxMb, cpuSeconds, accepted, steadyPerS: steadyPerMs * PER_MESSAGE * 1000 };
  } finally {
    await bridge.stop();
    if (args.profile) printSummary(summarizeProfile(profileDir, 30, { from: /telegraf\/influx-line-decoder/ }), err);
  }
}

function sampleOf(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
}

/** The light shape's lines (test/support/telegraf-generator.ts), in order. */
function* lightLines(): Generator<string> {
  for (let i = 0; i < LINES; i++) yield lineOf(i, gen);
}
