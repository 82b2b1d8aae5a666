// The config schema's decorators read design metadata: the polyfill must load before it (as main.ts does).
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { BullmqForwardQueue, FORWARD_QUEUE, type ForwardJobData } from '../../../src/infrastructure/bullmq/forward-queue.js';
import type { MetricBatch, MetricPoint } from '../../../src/domain/metric.js';
import { ForwardConfig } from '../../../src/infrastructure/config/config-schema.js';
import type { GrantStats } from '../../../src/application/ports/engine-budget.js';
import type { SimReport } from '../../simulator/index.js';
import { startBridge } from '../../../src/main.js';
import { startEngineSimulator } from '../../simulator/index.js';
import { testConfig, testLogger } from '../../support/bridge-harness.js';
import { services } from '../../support/services.js';

/** Helpers shared by the forwarding scenarios: bridge HTTP probes, bridge child processes, backlogs, Redis cleanup. */
export const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export interface BridgeStatus {
  readonly ingestPaused: boolean | null;
  readonly breaker: 'closed' | 'open' | 'half_open';
  readonly forwardBacklog: { waiting: number; active: number; delayed: number; failed: number };
}

export const bridgeStatus = async (port: number): Promise<BridgeStatus> => {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/status`);
  return (await res.json()) as BridgeStatus;
};

/** One unlabelled sample of the bridge's Prometheus exposition, or undefined when absent. */
export const bridgeMetric = async (port: number, name: string): Promise<number | undefined> => {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

/** Metric-batch requests per wall-clock second as the engine counted them (logins included in the total). */
export const requestsPerSecond = (report: SimReport): Map<number, number> => {
  const total = new Map<number, number>();
  for (const buckets of Object.values(report.requestsPerSecond)) {
    for (const [second, n] of Object.entries(buckets)) total.set(Number(second), (total.get(Number(second)) ?? 0) + n);
  }
  return total;
};

/** `n` points of one series-set, distinct by (metric, tags, ts); deterministic so a test can recompute the keys. */
export const backlogPoints = (jobIndex: number, n: number, startMs: number): MetricPoint[] =>
  Array.from({ length: n }, (_, i) => ({
    name: `bench_${String(jobIndex % 20).padStart(2, '0')}.value`,
    tags: { host: `h-${i % 50}`, job: String(jobIndex) },
    ts: startMs + i,
    value: (jobIndex * 31 + i) % 1000,
  }));

/** Enqueues `jobs` batches of `pointsPerJob` points through the production queue adapter, `chunk` batches per call. */
export async function enqueueBacklog(queue: BullmqForwardQueue, jobs: number, pointsPerJob: number, startMs: number, chunk = 100): Promise<void> {
  for (let from = 0; from < jobs; from += chunk) {
    const batches: MetricBatch[] = [];
    for (let j = from; j < Math.min(jobs, from + chunk); j++) batches.push({ id: `b-${j}`, points: backlogPoints(j, pointsPerJob, startMs) });
    await queue.enqueue(batches);
  }
}

/** The production queue adapter; jobs carry the configured default attempts unless told otherwise. */
export const newForwardQueue = (keyPrefix: string, attempts = new ForwardConfig().attempts): BullmqForwardQueue =>
  new BullmqForwardQueue({ connection: { url: services.redisUrl, maxRetriesPerRequest: null }, prefix: keyPrefix, attempts });

/** A plain BullMQ handle on the forward queue (what the dead-letters CLI uses). */
export const rawForwardQueue = (keyPrefix: string): Queue<ForwardJobData> =>
  new Queue<ForwardJobData>(FORWARD_QUEUE, { connection: { url: services.redisUrl }, prefix: keyPrefix });

/** Deletes every key a test wrote under its prefix (queue jobs, budget, breaker; catalog keys put it inside a hash tag). */
export async function dropKeys(keyPrefix: string): Promise<void> {
  const redis = new Redis(services.redisUrl);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** Environment that configures a bridge process through `AIOPS__SECTION__KEY` variables only. */
export const bridgeEnv = (vars: Record<string, string | number>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  // Only what a process needs to run: the test runner's own AIOPS__* variables must not leak in.
  for (const k of ['PATH', 'HOME', 'NODE_OPTIONS', 'TMPDIR']) if (process.env[k] !== undefined) env[k] = process.env[k];
  for (const [k, v] of Object.entries(vars)) env[`AIOPS__${k}`] = String(v);
  return env;
};

/** A forward-only bridge process on `keyPrefix`, pushing to `engineUrl` under a fleet cap of `cap` calls/s. */
export const forwardFleetEnv = (keyPrefix: string, engineUrl: string, cap: number, extra: Record<string, string | number> = {}): NodeJS.ProcessEnv =>
  bridgeEnv({
    ROLES: '[forward]',
    LOGLEVEL: 'info',
    REDIS__URL: services.redisUrl,
    REDIS__KEYPREFIX: keyPrefix,
    ENGINE__BASEURL: engineUrl,
    ENGINE__AUTH__PASSWORD: 'admin123',
    ENGINE__RATELIMITPERSECOND: cap,
    ...extra,
  });

export interface BridgeProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote so far (pino JSON lines and any stderr). */
  output(): string;
  /** SIGTERM, then the exit code (the bridge shuts down gracefully on SIGTERM). */
  stop(): Promise<number | null>;
}

/** `tsx src/main.ts <args>` as an OS process; resolves once its log says `aiops-bridge started` (for serve). */
export async function spawnBridge(args: readonly string[], env: NodeJS.ProcessEnv, opts: { readyTimeoutMs?: number } = {}): Promise<BridgeProcess> {
  const child = spawn(tsx, ['src/main.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => void (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => void (out += d));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  const proc: BridgeProcess = {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const [code] = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  while (!out.includes('aiops-bridge started')) {
    if (child.exitCode !== null) throw new Error(`bridge exited ${child.exitCode} before it started:\n${out}`);
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`bridge did not start within ${opts.readyTimeoutMs ?? 30_000} ms:\n${out}`);
    }
    await sleep(100);
  }
  return proc;
}

/** Runs `tsx src/main.ts <args>` to completion; returns exit code and stdout. */
export async function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(tsx, ['src/main.ts', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => void (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

/**
 * A simulator plus one in-process bridge with the forward and api roles on a fresh Redis prefix, and both views of
 * its forward queue (ours, to enqueue; BullMQ's, to inspect jobs). `close` releases all of it.
 */
export async function forwardOnlyFixture(opts: { overrides?: Record<string, unknown>; attempts?: number; logLevel?: string } = {}) {
  const sim = await startEngineSimulator({ tokenTtlSeconds: 600 });
  // An `engine` override adds to the simulator's address and credentials instead of replacing them.
  const engine = { baseUrl: sim.url, auth: { mode: 'bearer', username: 'admin', password: 'admin123' }, ...(opts.overrides?.engine as object | undefined) };
  const config = testConfig({ topic: 'unused', engineUrl: sim.url, allowlistFile: 'unused', overrides: { roles: ['forward', 'api'], ...opts.overrides, engine } });
  const prefix = config.redis.keyPrefix;
  const bridge = await startBridge(config, testLogger(opts.logLevel));
  const queue = newForwardQueue(prefix, opts.attempts ?? config.forward.attempts);
  const raw = rawForwardQueue(prefix);
  return {
    sim,
    bridge,
    prefix,
    queue,
    raw,
    async close(): Promise<void> {
      await bridge.stop();
      await queue.close();
      await raw.close();
      await sim.close();
      await dropKeys(prefix);
    },
  };
}


/** Every call's arrival at the simulator, all endpoints together, ascending. */
export const allArrivals = (arrivals: Record<string, number[]>): number[] => Object.values(arrivals).flat().sort((a, b) => a - b);

/**
 * How much of the cap a drain used, from the simulator's arrival times: the calls after the first, over what the
 * cap allows between the first and the last arrival (1 = a call every 1/cap s, none wasted).
 */
export const capUtilisation = (times: readonly number[], cap: number): number => {
  const first = times[0];
  const last = times.at(-1);
  if (first === undefined || last === undefined || last === first) return 0;
  return (times.length - 1) / (((last - first) / 1000) * cap);
};

/** The grant statistics a bridge logs when it stops (`engine budget grants`), from its output. */
export const grantStatsOf = (output: string): GrantStats | undefined => {
  const line = output.split('\n').find((l) => l.includes('"engine budget grants"'));
  return line === undefined ? undefined : (JSON.parse(line) as { grants: GrantStats }).grants;
};

/**
 * The shortest time spanned by `cap + 1` consecutive arrivals: the cap holds in every sliding second exactly when
 * this is ≥ 1000 ms, and what it exceeds 1000 by is the headroom the budget's margin left after the jitter.
 */
export const tightestSpan = (times: readonly number[], cap: number): number => {
  let min = Infinity;
  for (let i = 0; i + cap < times.length; i++) min = Math.min(min, times[i + cap]! - times[i]!);
  return min;
};
