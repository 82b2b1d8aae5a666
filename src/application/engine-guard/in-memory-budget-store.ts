import type { BudgetAttempt, BudgetSnapshot, BudgetStore, CallClass, CallOutcome } from '../ports/engine-budget.js';
import { applyOutcome, initialAimdState, type AimdState } from './aimd.js';
import { classCeiling, defaultBudgetPolicy, limitOf, paceBulk, windowMs, type BudgetPolicy } from './budget-policy.js';

/**
 * The grant rule of the sliding window, given the grant times still inside it (ascending): grant while fewer
 * than `ceiling` are inside, else wait until enough of the oldest leave. Mirrored in Lua.
 */
export const decideGrant = (inWindow: readonly number[], ceiling: number, nowMs: number, windowLengthMs: number): BudgetAttempt => {
  if (inWindow.length < ceiling) return { granted: true };
  // The (count - ceiling)-th oldest grant must leave the window for the count to drop below the ceiling.
  const leaving = inWindow[inWindow.length - ceiling] ?? nowMs;
  return { granted: false, waitMs: Math.max(1, Math.ceil(leaving + windowLengthMs - nowMs)) };
};

/**
 * The budget's state in one process: for unit tests, and for a single replica without Redis. Same rules as
 * the Redis store, with an injectable clock.
 */
export const createInMemoryBudgetStore = (policy: BudgetPolicy = defaultBudgetPolicy, now: () => number = Date.now): BudgetStore & {
  readonly state: () => AimdState;
} => {
  const w = windowMs(policy);
  let aimd = initialAimdState(policy);
  let log: number[] = [];
  let bulkTat = 0;
  const demandAt = { interactive: -Infinity, poll: -Infinity };
  const prune = (t: number): void => {
    const firstInside = log.findIndex((g) => g > t - w);
    log = firstInside < 0 ? [] : log.slice(firstInside);
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
      const limit = limitOf(Math.min(policy.capPerSecond, aimd.rate));
      const attempt = decideGrant(log, classCeiling(cls, limit, demand, policy), t, w);
      const pace = cls === 'bulk' ? paceBulk(bulkTat, t, limit, w, policy.bulkBurst) : undefined;
      if (pace !== undefined && pace.waitMs > 0) {
        return Promise.resolve({ granted: false, waitMs: Math.max(pace.waitMs, attempt.granted ? 0 : attempt.waitMs) });
      }
      if (attempt.granted) {
        log.push(t);
        if (pace !== undefined) bulkTat = pace.nextTat;
      }
      return Promise.resolve(attempt);
    },
    report(outcome: CallOutcome): Promise<void> {
      aimd = applyOutcome(aimd, outcome, now(), policy);
      return Promise.resolve();
    },
    snapshot: () => Promise.resolve(snapshotAt(now())),
  };
};
