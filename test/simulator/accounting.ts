import { ArrivalLog } from './sliding-window.js';
import type { Tags } from './types.js';

/** Per-second buckets older than this are dropped: enough for a 10-minute benchmark without unbounded growth. */
const BUCKET_RETENTION_SECONDS = 600;

export type RejectReason =
  | 'unauthorized' | 'expired' | 'validation' | 'tooLarge' | 'notFound' | 'badCredentials'
  | 'injectedError' | 'rateLimited' | 'outage' | 'dropped' | 'failPage' | 'gateway';

export interface SimReport {
  pointsReceived: number;
  distinctPoints: number;
  repeatedRequestIds: number;
  duplicateAcceptedRequestIds: number;
  batchesAccepted: number;
  requestsTotal: number;
  logins: number;
  requestsPerSecond: Record<string, Record<string, number>>;
  maxRequestsPerSecond: number;
  /** The most calls, all endpoints together, that arrived within any 1,000 ms (a sliding window, not aligned). */
  maxCallsInAnySlidingSecond: number;
  /** The same per endpoint (`"POST /api/v1/metrics/batch"`). */
  maxCallsInAnySlidingSecondPerEndpoint: Record<string, number>;
  rejected: Partial<Record<RejectReason, number>>;
}

/** Canonical series identity: metric plus tags sorted by key, as `k=v` joined by ','. */
export const seriesKeyOf = (metric: string, tags: Tags): string => {
  const keys = Object.keys(tags).sort();
  let out = `${metric}|`;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    out += `${i === 0 ? '' : ','}${k}=${tags[k] as string}`;
  }
  return out;
};

/** Epoch milliseconds with sub-millisecond resolution that never go backwards (Date.now() can, and is coarse). */
export const arrivalClock = (): number => performance.timeOrigin + performance.now();

/**
 * Exact accounting of what arrived. Points are counted per series in a Map<ts, count> rather than one flat
 * Map of `metric|tags|ts` strings: two million points then cost tens of megabytes instead of hundreds.
 */
export class Accounting {
  pointsReceived = 0;
  private distinct = 0;
  private readonly pointCounts = new Map<string, Map<number, number>>();
  private readonly seenRequestIds = new Set<string>();
  private readonly acceptedRequestIds = new Set<string>();
  private repeatedRequestIds = 0;
  private duplicateAcceptedRequestIds = 0;
  private batchesAccepted = 0;
  private requestsTotal = 0;
  logins = 0;
  private readonly perEndpoint = new Map<string, Map<number, number>>();
  private readonly perSecond = new Map<number, number>();
  private maxPerSecond = 0;
  private readonly arrivalLog = new ArrivalLog();
  private readonly rejected: Partial<Record<RejectReason, number>> = {};

  /**
   * Called on arrival of every /api request, before any fault, so refused and dropped requests count too.
   * `arrivalMs` stamps the arrival for the sliding windows: it must never go backwards (a monotonic clock read
   * as epoch ms, see `arrivalClock`); `nowMs` places it in a wall-clock second.
   */
  countRequest(endpoint: string, nowMs: number, arrivalMs = nowMs): number {
    const second = Math.floor(nowMs / 1000);
    this.requestsTotal++;
    this.arrivalLog.add(endpoint, arrivalMs);
    let buckets = this.perEndpoint.get(endpoint);
    if (buckets === undefined) this.perEndpoint.set(endpoint, (buckets = new Map()));
    buckets.set(second, (buckets.get(second) ?? 0) + 1);
    const total = (this.perSecond.get(second) ?? 0) + 1;
    if (total === 1) this.prune(second);
    this.perSecond.set(second, total);
    if (total > this.maxPerSecond) this.maxPerSecond = total;
    return total;
  }

  /** `{ endpoint: [arrival ms, ascending] }` for the retained period (the last ten minutes). */
  arrivals(): Record<string, number[]> {
    return this.arrivalLog.times();
  }

  reject(reason: RejectReason): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
  }

  /** Any batch request carrying an id seen on an earlier batch request, whatever became of the earlier one. */
  noteRequestId(id: string): void {
    if (this.seenRequestIds.has(id)) this.repeatedRequestIds++;
    else this.seenRequestIds.add(id);
  }

  /** A batch was accepted; if its id was accepted before, the client delivered the same batch twice. */
  noteAcceptedBatch(id: string | undefined): void {
    this.batchesAccepted++;
    if (id === undefined) return;
    if (this.acceptedRequestIds.has(id)) this.duplicateAcceptedRequestIds++;
    else this.acceptedRequestIds.add(id);
  }

  countPoint(seriesKey: string, ts: number): void {
    this.pointsReceived++;
    let counts = this.pointCounts.get(seriesKey);
    if (counts === undefined) this.pointCounts.set(seriesKey, (counts = new Map()));
    const previous = counts.get(ts);
    if (previous === undefined) this.distinct++;
    counts.set(ts, (previous ?? 0) + 1);
  }

  /** `{ "metric|k=v,k2=v2|ts": count }`, optionally only for one metric (the full map can be very large). */
  points(metric?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [seriesKey, counts] of this.pointCounts) {
      if (metric !== undefined && !seriesKey.startsWith(`${metric}|`)) continue;
      for (const [ts, count] of counts) out[`${seriesKey}|${ts}`] = count;
    }
    return out;
  }

  report(): SimReport {
    const requestsPerSecond: Record<string, Record<string, number>> = {};
    for (const [endpoint, buckets] of this.perEndpoint) requestsPerSecond[endpoint] = Object.fromEntries(buckets);
    return {
      pointsReceived: this.pointsReceived,
      distinctPoints: this.distinct,
      repeatedRequestIds: this.repeatedRequestIds,
      duplicateAcceptedRequestIds: this.duplicateAcceptedRequestIds,
      batchesAccepted: this.batchesAccepted,
      requestsTotal: this.requestsTotal,
      logins: this.logins,
      requestsPerSecond,
      maxRequestsPerSecond: this.maxPerSecond,
      maxCallsInAnySlidingSecond: this.arrivalLog.max,
      maxCallsInAnySlidingSecondPerEndpoint: this.arrivalLog.maxPerEndpoint(),
      rejected: { ...this.rejected },
    };
  }

  private prune(currentSecond: number): void {
    const oldest = currentSecond - BUCKET_RETENTION_SECONDS;
    for (const second of this.perSecond.keys()) if (second < oldest) this.perSecond.delete(second);
    for (const buckets of this.perEndpoint.values()) {
      for (const second of buckets.keys()) if (second < oldest) buckets.delete(second);
    }
    this.arrivalLog.prune(oldest * 1000);
  }
}
