import type { BudgetAttempt, BudgetSnapshot, BudgetStore, CallClass, CallOutcome } from '../ports/engine-budget.js';
import { applyOutcome, initialAimdState, type AimdState } from './aimd.js';
import {
  classCeiling,
  defaultBudgetPolicy,
  ENGINE_WINDOW_MS,
  limitOf,
  paceBulk,
  paceWindowMs,
  provisionalBoundMs,
  type BudgetPolicy,
} from './budget-policy.js';

/**
 * The grant rule of the sliding window, given the arrival bounds still inside it (ascending): grant while fewer
 * than `ceiling` are inside, else wait until enough of the oldest leave. Mirrored in Lua.
 */
export const decideGrant = (
  inWindow: readonly number[],
  ceiling: number,
  nowMs: number,
  windowLengthMs: number,
): { readonly granted: true } | { readonly granted: false; readonly waitMs: number } => {
  if (inWindow.length < ceiling) return { granted: true };
  // The (count - ceiling)-th oldest grant must leave the window for the count to drop below the ceiling.
  const leaving = inWindow[inWindow.length - ceiling] ?? nowMs;
  return { granted: false, waitMs: Math.max(1, Math.ceil(leaving + windowLengthMs - nowMs)) };
};

/**
 * The budget's state in one process: for unit tests, and for a single replica without Redis. Same rules as
 * the Redis store, with an injectable clock. The log holds each grant's arrival bound (see `BudgetPolicy`),
 * ascending, with its token at the same index.
 */
export const createInMemoryBudgetStore = (policy: BudgetPolicy = defaultBudgetPolicy, now: () => number = Date.now): BudgetStore & {
  readonly state: () => AimdState;
} => {
  const w = ENGINE_WINDOW_MS;
  const pw = paceWindowMs(policy);
  let aimd = initialAimdState(policy);
  let log: { bound: number; token: string }[] = [];
  let issued = 0;
  let bulkTat = 0;
  const demandAt = { interactive: -Infinity, poll: -Infinity };
  const limitNow = (): number => limitOf(Math.min(policy.capPerSecond, aimd.rate));
  // A bound at or before t − window can share no window with an arrival after t.
  const prune = (t: number): void => {
    log = log.filter((g) => g.bound > t - w);
  };
  const insert = (entry: { bound: number; token: string }): void => {
    log.push(entry);
    log.sort((a, b) => a.bound - b.bound);
  };
  const snapshotAt = (t: number): BudgetSnapshot => {
    prune(t);
    return { rate: aimd.rate, inWindow: log.length, blockedForMs: Math.max(0, aimd.blockedUntilMs - t) };
  };
  return {
    state: () => aimd,
    tryAcquire(cls: CallClass): Promise<BudgetAttempt> {
      const t = now();
      // Demand is marked even when refused: it is what holds lower classes back while this class waits.
      if (cls !== 'bulk') demandAt[cls] = t;
      if (aimd.blockedUntilMs > t) return Promise.resolve({ granted: false, waitMs: aimd.blockedUntilMs - t });
      prune(t);
      const demand = { interactive: t - demandAt.interactive <= policy.demandTtlMs, poll: t - demandAt.poll <= policy.demandTtlMs };
      const limit = limitNow();
      const attempt = decideGrant(log.map((g) => g.bound), classCeiling(cls, limit, demand, policy), t, w);
      const pace = cls === 'bulk' ? paceBulk(bulkTat, t, limit, pw, policy.bulkBurst) : undefined;
      if (pace !== undefined && pace.waitMs > 0) {
        return Promise.resolve({ granted: false, waitMs: Math.max(pace.waitMs, attempt.granted ? 0 : attempt.waitMs) });
      }
      if (!attempt.granted) return Promise.resolve(attempt);
      const token = `g${++issued}`;
      insert({ bound: t + provisionalBoundMs(policy), token });
      if (pace !== undefined) bulkTat = pace.nextTat;
      return Promise.resolve({ granted: true, token, grantedAtMs: t });
    },
    release(cls: CallClass, token: string): Promise<void> {
      const before = log.length;
      log = log.filter((g) => g.token !== token);
      // Its place in the pacing is given back too, so a returned bulk grant costs the drain nothing.
      if (log.length < before && cls === 'bulk') bulkTat = Math.max(now(), bulkTat - pw / limitNow());
      return Promise.resolve();
    },
    confirm(token: string, latestArrivalMs: number): Promise<void> {
      log = log.filter((g) => g.token !== token);
      if (latestArrivalMs > now() - w) insert({ bound: latestArrivalMs, token });
      return Promise.resolve();
    },
    report(outcome: CallOutcome): Promise<void> {
      aimd = applyOutcome(aimd, outcome, now(), policy);
      return Promise.resolve();
    },
    snapshot: () => Promise.resolve(snapshotAt(now())),
  };
};
