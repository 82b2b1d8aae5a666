/**
 * Allowlist reload latency across a fleet: 3 bridge replicas (own processes, roles [ingest, api], each with its
 * own HTTP port, one consumer group) follow one Nacos data id. A new version (10,000 entries, ~0.4 MB of YAML) is
 * published N times; for each, the latency is from just before the publish call to the moment the slowest
 * replica logged `allowlist active` for that version (pino's own timestamp, same host clock). It includes the
 * Nacos push (long poll answered, config re-read) and parse + validate + compile + swap.
 *
 * Run: `npx tsx bench/reload.ts [--versions 30] [--entries 10000]`. Last line: one JSON object.
 */
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import { contentMd5 } from '../src/infrastructure/nacos/nacos-client.js';
import { NacosAllowlistPublisher } from '../src/infrastructure/nacos/nacos-allowlist-publisher.js';
import { services, uniqueSuffix } from '../test/support/services.js';
import { measurementName } from '../test/support/telegraf-generator.js';
import { buildBridge, servicesUp, sleep, spawnBridge, type BridgeProcess, type LogLine } from './support/bridge-process.js';

const { values: args } = parseArgs({
  options: {
    versions: { type: 'string', default: '30' },
    entries: { type: 'string', default: '10000' },
    replicas: { type: 'string', default: '3' },
  },
});
const VERSIONS = Number(args.versions);
const ENTRIES = Number(args.entries);
const REPLICAS = Number(args.replicas);
const GROUP = 'AIOPS_BENCH';
const err = (line: string): boolean => process.stderr.write(`${line}\n`);

servicesUp('redis', 'kafka', 'nacos');
const script = buildBridge();
const id = uniqueSuffix();
const dataId = `bench-reload-${id}.yaml`;
const topic = `bench-reload-${id}`;
const keyPrefix = `bench-${id}`;
const kafka = new Kafka({ clientId: 'bench-reload', brokers: [...services.kafkaBrokers], logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const redis = new Redis(services.redisUrl);
const publisher = new NacosAllowlistPublisher({ serverAddr: services.nacosAddr, group: GROUP, dataId, requestTimeoutMs: 5_000, redis, keyPrefix });
const replicas: BridgeProcess[] = [];

/** Version n: the same 10,000 entries, the first one's note naming n (a new md5, a full re-compile). */
const allowlist = (n: number): string => {
  const out = ['version: 1', 'entries:'];
  for (let m = 0; m < ENTRIES; m++) {
    out.push(`  - measurement: ${measurementName(m)}`, `    fields: [f0, "lat_*"]`);
    if (m === 0) out.push(`    note: bench version ${n}`);
  }
  return `${out.join('\n')}\n`;
};

try {
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  await publisher.publishAllowlist(allowlist(0));
  // Every replica's `allowlist active` and `allowlist version received` lines, by version.
  const active = new Map<string, number[]>();
  const received = new Map<string, number[]>();
  const note = (map: Map<string, number[]>, line: LogLine): void => {
    const v = String(line.version);
    map.set(v, [...(map.get(v) ?? []), line.time]);
  };
  for (let r = 0; r < REPLICAS; r++) {
    const bridge = spawnBridge(
      {
        roles: ['ingest', 'api'],
        logLevel: 'info',
        redis: { url: services.redisUrl, keyPrefix },
        kafka: { brokers: [...services.kafkaBrokers], topic, groupId: `bench-reload-${id}`, clientId: `bench-reload-${id}-${r}` },
        allowlist: { source: 'nacos', nacos: { serverAddr: services.nacosAddr, group: GROUP, dataId, snapshotPath: `.cache/bench-reload-${id}-${r}.yaml` } },
        http: { port: 0 },
        engine: { auth: { password: 'unused-forward-is-off' } },
      },
      { name: `replica-${r}`, script },
    );
    bridge.onLog((line) => {
      if (line.msg === 'allowlist active') note(active, line);
      if (line.msg === 'allowlist version received') note(received, line);
    });
    replicas.push(bridge);
  }
  const started = await Promise.all(replicas.map((b) => b.waitForLog((l) => l.msg === 'aiops-bridge started', 60_000)));
  err(`replicas up on HTTP ports ${started.map((l) => l.httpPort).join(', ')}`);
  await sleep(1_000); // let the consumer group settle: a rebalance is not what is measured

  const latencies: number[] = [];
  const pushes: number[] = [];
  for (let n = 1; n <= VERSIONS; n++) {
    const text = allowlist(n);
    const version = contentMd5(text);
    const t0 = Date.now();
    await publisher.publishAllowlist(text);
    const deadline = Date.now() + 35_000;
    while ((active.get(version)?.length ?? 0) < REPLICAS) {
      if (Date.now() > deadline) throw new Error(`version ${n} active on ${active.get(version)?.length ?? 0} of ${REPLICAS} replicas after 35 s`);
      await sleep(5);
    }
    latencies.push(Math.max(...active.get(version)!) - t0);
    pushes.push(Math.max(...(received.get(version) ?? [NaN])) - t0);
    await sleep(200 + Math.random() * 300); // publishes spread in time, not back to back
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (xs: number[], p: number): number => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;
  const sortedPush = [...pushes].sort((a, b) => a - b);
  err(`latencies (ms): ${latencies.join(', ')}`);
  console.log(
    JSON.stringify({
      bench: 'reload',
      p99_ms: pct(sorted, 99),
      p50_ms: pct(sorted, 50),
      max_ms: sorted.at(-1),
      min_ms: sorted[0],
      samples: latencies.length,
      replicas: REPLICAS,
      allowlist_entries: ENTRIES,
      allowlist_bytes: Buffer.byteLength(allowlist(1)),
      // Until the slowest replica had the text (Nacos push + re-read); the rest is parse, validate, compile, swap.
      received_p50_ms: pct(sortedPush, 50),
      received_p99_ms: pct(sortedPush, 99),
      measured: 'publish call → slowest replica logs "allowlist active" (pino timestamps)',
      runtime: script ? 'node (compiled, as dist/main.js)' : 'node --import tsx',
    }),
  );
} finally {
  await Promise.all(replicas.map((b) => b.stop()));
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await fetch(`http://${services.nacosAddr}/nacos/v1/cs/configs?dataId=${dataId}&group=${GROUP}`, { method: 'DELETE' }).catch(() => undefined);
  publisher.close();
  for await (const keys of redis.scanStream({ match: `*${keyPrefix}*`, count: 1000 })) if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
  redis.disconnect();
  const { rmSync } = await import('node:fs');
  for (let r = 0; r < REPLICAS; r++) rmSync(`.cache/bench-reload-${id}-${r}.yaml`, { force: true });
}
