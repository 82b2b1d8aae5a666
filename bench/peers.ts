/**
 * The peer benchmark: one topic of realistic Telegraf traffic (bench/support/realistic-telegraf.ts: 200 hosts'
 * cpu/mem/disk/net/system lines and 3,000 business measurements, ~238 bytes and 7.8 fields per line, 200 lines
 * per Kafka message as Telegraf's Kafka output batches them, 6 partitions), read to its end by each contestant in
 * turn, each with a fresh consumer group, on this machine:
 *   - kcat (Debian's, librdkafka) reading the raw topic: the ceiling of reading it here;
 *   - Telegraf built from source with only inputs.kafka_consumer + parsers.influx + outputs.discard
 *     (bench/support/telegraf-build.sh, cached under $AIOPS_CACHE), `namepass` = the allowlist's 10,000 names;
 *   - the compiled bridge (`dist/main.js serve`, roles ingest + api, the service's node flags), the same 10,000
 *     names as its allowlist (YAML file), batches enqueued to BullMQ in Redis, offsets committed after.
 * Each is timed from its process start (the group join is part of the job) until the group's committed offsets
 * reach the end of every partition; `steady_*` rates are between 10 % and 90 % committed (no join, no final
 * linger). CPU seconds are the contestant process's user + system time over the same span.
 *
 * Run: `npm run bench -- peers [--lines 2000000] [--only kcat,telegraf,bridge]`. Last line: one JSON object.
 */
import 'reflect-metadata';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { services, uniqueSuffix } from '../test/support/services.js';
import { SERVICE_NODE_FLAGS, buildBridge, cpuSecondsOf, memoryOf, root, servicesUp, spawnBridge } from './support/bridge-process.js';
import { dropKeys, produceLines, waitCommittedEnd } from './support/kafka-topic.js';
import { RealisticTelegraf } from './support/realistic-telegraf.js';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '2000000' },
    'per-message': { type: 'string', default: '200' },
    partitions: { type: 'string', default: '6' },
    only: { type: 'string', default: 'kcat,telegraf,bridge' },
  },
});
const LINES = Number(args.lines);
const PER_MESSAGE = Number(args['per-message']);
const PARTITIONS = Number(args.partitions);
const only = new Set(args.only.split(','));
const err = (line: string): boolean => process.stderr.write(`${line}\n`);
const broker = services.kafkaBrokers[0] as string;

servicesUp('redis', 'kafka');
ensureKcat();
const telegrafBin = execFileSync('bash', [join(root, 'bench/support/telegraf-build.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', process.stderr] }).trim();
const script = buildBridge();
if (!script) throw new Error('peers: the bridge must compile (npm run build) to be measured as deployed');

const traffic = new RealisticTelegraf(42);
const names = traffic.allowlistedMeasurements();
const id = uniqueSuffix();
const topic = `bench-peers-${id}`;
const dir = mkdtempSync(join(tmpdir(), 'bench-peers-'));
const kafka = new Kafka({ clientId: 'bench-peers', brokers: [broker], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

interface Run {
  readonly ms: number;
  readonly steadyLinesPerS: number;
  readonly cpuSeconds: number;
  readonly rssMb?: number;
}

try {
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
  const produced = await produceLines(kafka, topic, traffic.iterate(LINES, traffic.startFor(LINES)), PER_MESSAGE, PARTITIONS);
  err(`produced ${LINES.toLocaleString('en')} lines (${(produced.bytes / 1e6).toFixed(0)} MB, ${(produced.bytes / LINES).toFixed(0)} B/line) in ${produced.ms} ms`);
  const runs: Record<string, Run> = {};
  if (only.has('kcat')) runs.kcat = await runKcat();
  if (only.has('telegraf')) runs.telegraf = await runTelegraf();
  if (only.has('bridge')) runs.bridge = await runBridge();
  for (const [name, r] of Object.entries(runs)) {
    err(`${name}: ${Math.round((LINES / r.ms) * 1000).toLocaleString('en')} lines/s over ${r.ms} ms, steady ${Math.round(r.steadyLinesPerS).toLocaleString('en')}, ${r.cpuSeconds.toFixed(1)} CPU s`);
  }
  const rate = (r?: Run): number | null => (r ? Math.round((LINES / r.ms) * 1000) : null);
  const perCpu = (r?: Run): number | null => (r ? Math.round(LINES / r.cpuSeconds) : null);
  const ratio = (a: number | null, b: number | null): number | null => (a && b ? Math.round((a / b) * 100) / 100 : null);
  console.log(
    JSON.stringify({
      bench: 'peers',
      kcat_lines_per_s: rate(runs.kcat),
      telegraf_lines_per_s: rate(runs.telegraf),
      bridge_lines_per_s: rate(runs.bridge),
      bridge_over_telegraf: ratio(rate(runs.bridge), rate(runs.telegraf)),
      bridge_lines_per_cpu_s: perCpu(runs.bridge),
      telegraf_lines_per_cpu_s: perCpu(runs.telegraf),
      bridge_over_telegraf_per_cpu: ratio(perCpu(runs.bridge), perCpu(runs.telegraf)),
      kcat_lines_per_cpu_s: perCpu(runs.kcat),
      steady_lines_per_s: Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, Math.round(r.steadyLinesPerS)])),
      bridge_rss_mb: runs.bridge?.rssMb === undefined ? null : Math.round(runs.bridge.rssMb),
      lines: LINES,
      lines_per_message: PER_MESSAGE,
      partitions: PARTITIONS,
      avg_line_bytes: Math.round(produced.bytes / LINES),
      allowlist_names: names.length,
      telegraf: telegrafBin.split('/').at(-3),
      node: process.version,
    }),
  );
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
}

/** kcat as a balanced consumer in a group of its own; `times` after it prints its CPU time (bash's children). */
async function runKcat(): Promise<Run> {
  const groupId = `bench-peers-kcat-${id}`;
  const cmd = `kcat -C -q -b ${broker} -G ${groupId} -X auto.offset.reset=earliest -e -f '%o\\n' ${topic} >/dev/null; times`;
  const started = Date.now();
  const child = spawn('bash', ['-c', cmd], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const committed = committedEnd(groupId, started);
  await once(child, 'exit');
  const { end, steadyLinesPerS } = await committed;
  // `times`: the shell's own user/system, then its children's: "0m1.234s 0m0.456s".
  const children = out.trim().split('\n').at(-1) ?? '';
  const cpuSeconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((n, m) => n + Number(m[1]) * 60 + Number(m[2]), 0);
  return { ms: end - started, steadyLinesPerS, cpuSeconds };
}

async function runTelegraf(): Promise<Run> {
  const groupId = `bench-peers-telegraf-${id}`;
  const conf = join(dir, 'telegraf.conf');
  writeFileSync(
    conf,
    [
      '[agent]',
      '  interval = "10s"',
      '  flush_interval = "1s"', // the bridge lingers at most 1 s before a batch goes out
      '  metric_batch_size = 5000', // the bridge's batch size (the engine's limit)
      '  metric_buffer_limit = 100000',
      '  omit_hostname = true',
      '  quiet = true',
      '[[inputs.kafka_consumer]]',
      `  brokers = ["${broker}"]`,
      `  topics = ["${topic}"]`,
      `  consumer_group = "${groupId}"`,
      '  offset = "oldest"',
      '  kafka_version = "4.1.0"', // sarama's default protocol versions are gone from Kafka 4
      '  data_format = "influx"',
      `  namepass = [${names.map((n) => JSON.stringify(n)).join(', ')}]`,
      '[[outputs.discard]]',
      '',
    ].join('\n'),
  );
  const started = Date.now();
  const child = spawn(telegrafBin, ['--config', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  try {
    const { end, steadyLinesPerS } = await committedEnd(groupId, started);
    return { ms: end - started, steadyLinesPerS, cpuSeconds: cpuSecondsOf(child.pid ?? -1) };
  } catch (e) {
    err(`telegraf's last output:\n${stderr}`);
    throw e;
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

async function runBridge(): Promise<Run> {
  const groupId = `bench-peers-bridge-${id}`;
  const keyPrefix = `bench-peers-${id}`;
  const allowlistFile = join(dir, 'metrics-allowlist.yaml');
  writeFileSync(allowlistFile, `version: 1\nentries:\n${names.map((n) => `  - measurement: ${n}\n`).join('')}`);
  const started = Date.now();
  const bridge = spawnBridge(
    {
      roles: ['ingest', 'api'],
      logLevel: 'info',
      redis: { url: services.redisUrl, keyPrefix },
      kafka: { brokers: [broker], topic, groupId, clientId: groupId, fromBeginning: true },
      allowlist: { source: 'file', file: allowlistFile },
      http: { port: 0 },
      engine: { auth: { password: 'unused-forward-is-off' } },
      // Nothing forwards here: backpressure would only measure the absence of a worker.
      forward: { highWater: 1_000_000, lowWater: 500_000 },
    },
    { name: 'bridge', script, nodeArgs: SERVICE_NODE_FLAGS.split(' ').filter(Boolean) },
  );
  try {
    const { end, steadyLinesPerS } = await committedEnd(groupId, started);
    const cpuSeconds = cpuSecondsOf(bridge.pid);
    return { ms: end - started, steadyLinesPerS, cpuSeconds, rssMb: memoryOf(bridge.pid).peakMb };
  } finally {
    await bridge.stop();
    await dropKeys(keyPrefix);
  }
}

function ensureKcat(): void {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
  } catch {
    err('[peers] installing kcat with apt-get');
    execFileSync('bash', ['-c', 'apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null'], { stdio: 'inherit' });
  }
}

/** When the group's committed offsets reached the topic's end, and the steady rate in lines/s. */
async function committedEnd(groupId: string, started: number): Promise<{ end: number; steadyLinesPerS: number }> {
  const { end, steadyPerMs } = await waitCommittedEnd(admin, topic, groupId, { started, timeoutMs: 300_000 });
  return { end, steadyLinesPerS: steadyPerMs * PER_MESSAGE * 1000 };
}
