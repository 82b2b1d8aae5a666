import type { MetricPoint } from '../../domain/metric.js';
import type { AnalysisEngine } from '../ports/analysis-engine.js';
import { isSystemicRejection } from '../ports/engine-breaker.js';
import { isEngineError } from '../ports/engine-errors.js';

/**
 * The engine refused the request for what is in it (validation, a point it cannot take): the same request will
 * be refused again, but a smaller one without the offending items will not. Not systemic rejections (credentials,
 * a gateway's 403/404, HTML): those refuse every request and are an outage, not a bad item.
 */
export const isItemRejection = (err: unknown): boolean => isEngineError(err) && err.kind === 'rejected' && !isSystemicRejection(err);

export interface RejectedPoint {
  readonly point: MetricPoint;
  /** The engine's message for the smallest request that still held this point (one point: its own). */
  readonly reason: string;
}

export interface IsolationResult {
  readonly accepted: number;
  /** Points the engine refused on their own (or inside a part left whole once `maxRequests` was spent). */
  readonly rejected: readonly RejectedPoint[];
  readonly requests: number;
}

/** A retryable failure in the middle of the split: what was delivered so far must not be sent again. */
export class IsolationInterrupted extends Error {
  constructor(
    readonly failure: unknown,
    /** Points not delivered yet (the refused ones included), in their original order. */
    readonly remaining: readonly MetricPoint[],
  ) {
    super(failure instanceof Error ? failure.message : String(failure));
    this.name = 'IsolationInterrupted';
  }
}

/**
 * Bisects a batch the engine refused as a whole (an all-or-nothing engine refuses 5000 points for one bad one)
 * until the offending points stand alone: they are returned with the engine's message, the rest are delivered.
 * Every part is an ordinary `pushMetrics` call, so each request takes its budget grant and passes the breaker
 * like any other. Request ids extend the batch id (`b.0`, `b.0.1` …): deterministic, so a retry is recognised.
 * Isolating k bad points of n costs about 2·k·log2(n) requests; past `maxRequests` the parts still refused are
 * returned whole (a batch where most points are bad is not worth thousands of requests).
 */
export async function isolateRejected(
  engine: Pick<AnalysisEngine, 'pushMetrics'>,
  points: readonly MetricPoint[],
  requestId: string,
  firstRejection: unknown,
  options: { readonly maxRequests: number },
): Promise<IsolationResult> {
  let accepted = 0;
  let requests = 0;
  const rejected: RejectedPoint[] = [];
  const delivered = new Set<MetricPoint>();
  const reasonOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

  const split = async (part: readonly MetricPoint[], id: string, refusal: unknown): Promise<void> => {
    if (part.length === 1) {
      rejected.push({ point: part[0] as MetricPoint, reason: reasonOf(refusal) });
      return;
    }
    const mid = Math.ceil(part.length / 2);
    for (const [i, half] of [part.slice(0, mid), part.slice(mid)].entries()) {
      const halfId = `${id}.${i}`;
      if (requests >= options.maxRequests) {
        for (const point of half) rejected.push({ point, reason: `not isolated (${options.maxRequests} requests spent): ${reasonOf(refusal)}` });
        continue;
      }
      requests += 1;
      try {
        accepted += (await engine.pushMetrics(half, halfId)).accepted;
        for (const p of half) delivered.add(p);
      } catch (err) {
        if (!isItemRejection(err)) throw err;
        await split(half, halfId, err);
      }
    }
  };

  try {
    await split(points, requestId, firstRejection);
  } catch (err) {
    throw new IsolationInterrupted(err, points.filter((p) => !delivered.has(p)));
  }
  return { accepted, rejected, requests };
}
