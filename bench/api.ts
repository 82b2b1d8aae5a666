// `npm run bench -- api [--alarms 100000] [--seconds 60] [--rate 500] [--filter 'status=firing&…'] [--skip-trends] [--profile]
// [--node-args '<the service's node flags>']`:
// our REST API under a fixed request rate.
// A private redis-server holds `--alarms` alarms in the alarm-view read model; bridges run as their own processes
// (api role only); autocannon sends `--rate` req/s for `--seconds` from this process over loopback:
//   1. GET /api/v1/alarms with filters (status + severity + tag), 1 replica, then 2 replicas (rate split evenly);
//   2. GET /api/v1/trends with 90 % cache hits (every tenth request a query not seen before), 1 replica.
// Before the HTTP runs, the same query straight on the read model (`store-alarms`, 500 sequential calls in this
// process): what Redis costs per page, apart from the API layer. Bridges run compiled (`node dist/main.js`) with
// the service's node flags (package.json config.nodeFlags), as production runs them. Each run also reports the
// bridges' CPU per answered request (`cpu_ms_per_req`, from /proc): on a shared machine latency says more about the
// neighbours than about the code, CPU per request does not. `--profile`: the first replica runs with --cpu-prof and
// its self-time summary is printed to stderr at the end (`--skip-trends` keeps the trend run out of it).
// Prints one JSON line per run on stderr and, last, one JSON line with all runs on stdout.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import type { AlarmViewDoc } from '../src/application/ports/alarm-view-store.js';
import { RedisAlarmView } from '../src/infrastructure/redis/redis-alarm-view.js';
import { startEngineSimulator } from '../test/simulator/index.js';
import { alarmView } from './support/alarm-events.js';
import { SERVICE_NODE_FLAGS, buildBridge, cpuSecondsOf, spawnBridge, type BridgeProcess } from './support/bridge-process.js';
import { printSummary, summarizeProfile } from './support/cpu-profile.js';
import { startPrivateRedis } from './support/private-redis.js';

const { values } = parseArgs({ options: { alarms: { type: 'string', default: '100000' }, seconds: { type: 'string', default: '60' }, rate: { type: 'string', default: '500' }, filter: { type: 'string', default: 'status=firing&severity=major&tag.region=cn-east-1' }, 'skip-trends': { type: 'boolean', default: false }, profile: { type: 'boolean', default: false }, 'node-args': { type: 'string', default: SERVICE_NODE_FLAGS } } });
const alarms = Number(values.alarms);
const seconds = Number(values.seconds);
const rate = Number(values.rate);
const KEY = 'bench-reader-key-0123456789';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });

interface Run { bench: string; path: string; replicas: number; rps: number; p50_ms: number; p99_ms: number; raw_p50_ms: number; raw_p99_ms: number; raw_max_ms: number; errors: number; non2xx: number; cpu_ms_per_req: number; redis_cpu_ms_per_req: number; loadgen_cpu_ms_per_req: number }
interface Replica { url: string; pid: number }

/** `rate` req/s spread evenly over the replicas, all at once; percentiles: p50 the mean, p99 the worst of the replicas. */
async function load(name: string, replicas: Replica[], path: string, uniqueEvery?: number): Promise<Run> {
  let n = 0;
  const cpuBefore = replicas.map((r) => cpuSecondsOf(r.pid));
  // The rest of the machine's CPU per answer: the read model's Redis, and this process (autocannon).
  const redisBefore = cpuSecondsOf(server.pid);
  const loadgenBefore = process.cpuUsage();
  // Every answer's own latency, as it came: autocannon's percentiles (p50_ms, p99_ms) record each answer with its
  // coordinated-omission correction, whose expected interval is ceil(1 / per-connection rate) = 1 ms here, so an
  // answer of L ms also counts as L - 1 synthetic ones (L - 1 ms, …, 1 ms). Both are reported.
  const raw: number[] = [];
  const results = await Promise.all(
    replicas.map(({ url }) => {
      const instance = autocannon({
        url: `${url}${uniqueEvery === undefined ? path : `${path}&step=60`}`,
        connections: 20,
        overallRate: rate / replicas.length,
        duration: seconds,
        headers: { authorization: `Bearer ${KEY}` },
        ...(uniqueEvery !== undefined && {
          requests: [{ setupRequest: (req) => ({ ...req, path: ++n % uniqueEvery === 0 ? `${path}&step=${60 + (n % 80_000)}` : `${path}&step=60` }) }] as autocannon.Request[],
        }),
      }) as Promise<autocannon.Result> & autocannon.Instance; // with no callback: the tracker, thenable (autocannon's lib/init.js)
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
        if (status >= 200 && status < 300) raw.push(ms);
      });
      return instance;
    }),
  );
  raw.sort((x, y) => x - y);
  const rawAt = (q: number): number => +(raw[Math.min(raw.length - 1, Math.floor(q * raw.length))] ?? NaN).toFixed(1);
  const cpuMs = replicas.reduce((s, r, i) => s + (cpuSecondsOf(r.pid) - cpuBefore[i]!) * 1000, 0);
  const redisMs = (cpuSecondsOf(server.pid) - redisBefore) * 1000;
  const loadgen = process.cpuUsage(loadgenBefore);
  const answered = results.reduce((s, r) => s + r.requests.total, 0);
  const run: Run = {
    bench: name,
    path,
    replicas: replicas.length,
    rps: Math.round(results.reduce((s, r) => s + r.requests.average, 0)),
    p50_ms: +(results.reduce((s, r) => s + r.latency.p50, 0) / results.length).toFixed(1),
    p99_ms: Math.max(...results.map((r) => r.latency.p99)),
    raw_p50_ms: rawAt(0.5),
    raw_p99_ms: rawAt(0.99),
    raw_max_ms: rawAt(1),
    errors: results.reduce((s, r) => s + r.errors + r.timeouts, 0),
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    cpu_ms_per_req: +(cpuMs / Math.max(1, answered)).toFixed(2),
    redis_cpu_ms_per_req: +(redisMs / Math.max(1, answered)).toFixed(2),
    loadgen_cpu_ms_per_req: +((loadgen.user + loadgen.system) / 1000 / Math.max(1, answered)).toFixed(2),
  };
  process.stderr.write(`${JSON.stringify(run)}\n`);
  return run;
}

/** The filtered query on the read model itself, sequentially, first page then following cursors up to 5 pages. */
async function timeStore(view: RedisAlarmView, filter: URLSearchParams): Promise<{ bench: string; calls: number; p50_ms: number; p99_ms: number }> {
  const tags = Object.fromEntries([...filter].filter(([k]) => k.startsWith('tag.')).map(([k, v]) => [k.slice(4), v]));
  const q = {
    ...(filter.get('status') && { status: filter.get('status') as 'firing' | 'resolved' }),
    ...(filter.get('severity') && { severity: filter.get('severity') as 'major' }),
    ...(filter.get('metric') && { metric: filter.get('metric')! }),
    ...(filter.get('text') && { text: filter.get('text')! }),
    tags,
    limit: 50,
  };
  const ms: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 500; i++) {
    const t0 = performance.now();
    const page = await view.queryJson({ ...q, ...(cursor && { cursor }) });
    ms.push(performance.now() - t0);
    cursor = i % 5 === 4 ? undefined : (page.next ?? undefined);
  }
  ms.sort((x, y) => x - y);
  const run = { bench: 'store-alarms', calls: ms.length, p50_ms: +ms[249]!.toFixed(2), p99_ms: +ms[494]!.toFixed(2) };
  process.stderr.write(`${JSON.stringify(run)}\n`);
  return run;
}

/** Starts an AOF rewrite unless one runs, and resolves once none is running or scheduled. */
async function aofRewritten(client: Redis): Promise<void> {
  const state = async (): Promise<string> => client.info('persistence');
  if (!/aof_rewrite_in_progress:1/.test(await state())) await client.bgrewriteaof().catch(() => undefined);
  const t0 = performance.now();
  while (/aof_rewrite_(in_progress|scheduled):1/.test(await state())) await new Promise((r) => setTimeout(r, 100));
  process.stderr.write(`[api] AOF rewritten before the load (${Math.round(performance.now() - t0)} ms)\n`);
}

const server = await startPrivateRedis(fileURLToPath(new URL('../deploy/local/redis.conf', import.meta.url)));
const redis = new Redis(server.url);
const sim = await startEngineSimulator({ tokenTtlSeconds: 3600 });
const bridges: BridgeProcess[] = [];
const profileDir = mkdtempSync(join(tmpdir(), 'bench-api-profile-'));
// The profiled replica's load phase: its summary leaves the start-up (module loading) out.
let profiledMs = 0;
try {
  const view = new RedisAlarmView(redis, { keyPrefix: 'bench:' });
  for (let n = 0; n < alarms; n += 1000) {
    const docs: AlarmViewDoc[] = Array.from({ length: Math.min(1000, alarms - n) }, (_, i) => {
      const alarm = alarmView(n + i, (n + i) % 3 === 0 ? 'resolved' : 'firing', 91.5);
      return { alarm, version: 1, lastEventId: `e${n + i}`, lastEventType: 'AlarmRaised', updatedAt: alarm.startsAt };
    });
    await view.upsert(docs);
  }
  // Loading 100,000 alarms grows the AOF past its automatic-rewrite threshold; a rewrite forks and copies the whole
  // dataset, and landing in a load phase it stalls answers for about a second on this 2-core machine. The bench
  // measures the read model at rest: it rewrites once now and waits for the rewrite to end.
  await aofRewritten(redis);
  const storeRun = await timeStore(view, new URLSearchParams(values.filter));
  const script = buildBridge();
  const start = async (i: number): Promise<Replica> => {
    const port = await freePort();
    const bridge = spawnBridge(
      {
        roles: ['api'],
        logLevel: 'info',
        redis: { url: server.url, keyPrefix: 'bench' },
        allowlist: { source: 'file', file: 'deploy/local/metrics-allowlist.yaml' },
        engine: { baseUrl: sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' } },
        http: { host: '127.0.0.1', port },
        api: { keys: [{ name: 'bench', key: KEY, scopes: ['read'] }], rateLimit: { points: 1_000_000, durationSeconds: 1 }, rulesReconcileEveryMs: 0 },
      },
      {
        name: `api-${i}`,
        ...(script ? { script } : {}),
        nodeArgs: [...(values.profile && i === 1 ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...values['node-args'].split(' ').filter(Boolean)],
      },
    );
    bridges.push(bridge);
    await bridge.waitForLog((l) => l.msg === 'aiops-bridge started', 60_000);
    return { url: `http://127.0.0.1:${port}`, pid: bridge.pid };
  };
  const [a, b] = [await start(1), await start(2)];
  const alarmsPath = `/api/v1/alarms?${values.filter}&limit=50`;
  const loadStart = performance.now();
  const runs: Array<Run | typeof storeRun> = [storeRun, await load('api-alarms', [a], alarmsPath), await load('api-alarms', [a, b], alarmsPath)];
  const now = Date.now();
  const trendPath = `/api/v1/trends?metric=svc_000.f0&from=${encodeURIComponent(new Date(now - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(now).toISOString())}`;
  if (!values['skip-trends']) runs.push(await load('api-trends', [a], trendPath, 10));
  profiledMs = performance.now() - loadStart;
  const trendCalls = Object.values(sim.report().requestsPerSecond['GET /api/v1/metrics/trend'] ?? {}).reduce((s, v) => s + v, 0);
  console.log(JSON.stringify({ bench: 'api', alarms, seconds, rate, runs, engineTrendCalls: trendCalls }));
} finally {
  await Promise.all(bridges.map((b) => b.stop()));
  if (values.profile) printSummary(summarizeProfile(profileDir, 40, { lastMs: profiledMs }), (line) => process.stderr.write(`${line}\n`));
  await sim.close();
  redis.disconnect();
  await server.stop();
}
