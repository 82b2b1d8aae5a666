/**
 * One replica of the budget test fleet, run as its own OS process by multi-process-budget.test.ts.
 * argv[2]: JSON `WorkerConfig`. Prints `ready`, waits for the start time, then one JSON line with its record.
 */
import http from 'node:http';
import { Redis } from 'ioredis';
import { budgetPolicy, type BudgetPolicyOverrides } from '../../../src/application/engine-guard/budget-policy.js';
import type { BudgetGrant, CallClass } from '../../../src/application/ports/engine-budget.js';
import { createRedisEngineBudget } from '../../../src/infrastructure/redis/redis-engine-budget.js';
import { awaitStart, sleep } from './spawn-workers.js';

export interface WorkerConfig {
  readonly redisUrl: string;
  readonly keyPrefix: string;
  /** Every grant is spent on one request to this engine simulator, which judges the cap by arrival. */
  readonly engineUrl: string;
  readonly policy: BudgetPolicyOverrides;
  readonly durationMs: number;
  /** Callers that each take tokens back to back (a "call" is the grant itself), all of `cls`. */
  readonly saturate?: { readonly cls: CallClass; readonly concurrency: number; readonly reportOk: boolean };
  /** One call every `everyMs` from `fromMs`, alternating interactive and poll, each timed from ask to grant. */
  readonly periodic?: { readonly fromMs: number; readonly everyMs: number };
  /** Report a 429 with this Retry-After at `atMs` after the start. */
  readonly rateLimitAt?: { readonly atMs: number; readonly retryAfterMs: number };
}

export interface WorkerRecord {
  readonly grants: number[];
  /** For each grant of the saturating callers: ms from the grant until its request was answered. */
  readonly answerMs: number[];
  readonly periodic: { cls: CallClass; askedAt: number; grantedAt: number }[];
  readonly rateLimitReported?: { readonly from: number; readonly to: number };
}

const config = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
const budget = createRedisEngineBudget(redis, { keyPrefix: config.keyPrefix, policy: budgetPolicy(config.policy) });
await redis.ping();

// One request per grant, sent at once (nothing awaited between grant and send, as the adapter does); the
// simulator counts it on arrival and refuses it (no token), which is all this test needs of it.
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const engine = new URL('/api/v1/anomaly/rules/page', config.engineUrl);
const send = (grant: BudgetGrant): Promise<void> =>
  new Promise((resolve) => {
    const req = http.request(engine, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => {
        budget.answered(grant);
        resolve();
      });
    });
    req.on('error', () => {
      budget.answered(grant);
      resolve();
    });
    req.end('{}');
  });

const startAt = await awaitStart();
const endAt = startAt + config.durationMs;
const record: { grants: number[]; answerMs: number[]; periodic: WorkerRecord['periodic']; rateLimitReported?: { from: number; to: number } } = {
  grants: [],
  answerMs: [],
  periodic: [],
};
const stop = AbortSignal.timeout(endAt - Date.now());

const saturating = async (cls: CallClass, reportOk: boolean): Promise<void> => {
  while (Date.now() < endAt) {
    let grant: BudgetGrant;
    try {
      grant = await budget.acquire(cls, stop);
    } catch {
      return; // the run is over
    }
    const sent = send(grant);
    const grantedAt = Date.now();
    record.grants.push(grantedAt);
    await sent;
    record.answerMs.push(Date.now() - grantedAt);
    if (reportOk) await budget.report({ cls, result: 'ok', latencyMs: 5 });
  }
};

const periodic = async (fromMs: number, everyMs: number): Promise<void> => {
  await sleep(startAt + fromMs - Date.now());
  for (let i = 0; Date.now() + everyMs < endAt; i++) {
    const cls: CallClass = i % 2 === 0 ? 'interactive' : 'poll';
    const askedAt = Date.now();
    const sent = send(await budget.acquire(cls));
    const grantedAt = Date.now();
    record.grants.push(grantedAt);
    record.periodic.push({ cls, askedAt, grantedAt });
    await sent;
    await sleep(askedAt + everyMs - Date.now());
  }
};

const rateLimit = async (atMs: number, retryAfterMs: number): Promise<void> => {
  await sleep(startAt + atMs - Date.now());
  const from = Date.now();
  await budget.report({ cls: 'bulk', result: 'rate_limited', retryAfterMs });
  record.rateLimitReported = { from, to: Date.now() };
};

const tasks: Promise<void>[] = [];
const { saturate, rateLimitAt } = config;
if (saturate !== undefined) for (let i = 0; i < saturate.concurrency; i++) tasks.push(saturating(saturate.cls, saturate.reportOk));
if (config.periodic !== undefined) tasks.push(periodic(config.periodic.fromMs, config.periodic.everyMs));
if (rateLimitAt !== undefined) tasks.push(rateLimit(rateLimitAt.atMs, rateLimitAt.retryAfterMs));
await Promise.all(tasks);
process.stdout.write(`${JSON.stringify(record)}\n`);
agent.destroy();
redis.disconnect();
