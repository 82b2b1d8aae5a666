import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Accounting } from './accounting.js';
import { envelope, isRecord, sendJson, sleep } from './http-io.js';
import type { Random } from './random.js';
import { noFaults, type Faults } from './types.js';

export type FaultUpdate = { kind: 'ok'; faults: Faults; expireTokensNow: boolean } | { kind: 'invalid'; message: string };

const ratio = (v: unknown, name: string): number => {
  if (typeof v !== 'number' || v < 0 || v > 1) throw new Error(`${name} must be a number in [0, 1]`);
  return v;
};
const nonNegative = (v: unknown, name: string): number => {
  if (typeof v !== 'number' || v < 0) throw new Error(`${name} must be a non-negative number`);
  return v;
};
const bool = (v: unknown, name: string): boolean => {
  if (typeof v !== 'boolean') throw new Error(`${name} must be a boolean`);
  return v;
};

/** Merges a partial fault body into the current faults; unknown keys are refused so a typo cannot pass silently. */
export const mergeFaults = (current: Faults, body: unknown): FaultUpdate => {
  if (!isRecord(body)) return { kind: 'invalid', message: 'body must be a JSON object' };
  const next: Faults = { ...current };
  let expireTokensNow = false;
  try {
    for (const [key, v] of Object.entries(body)) {
      switch (key) {
        case 'errorRatio': next.errorRatio = ratio(v, key); break;
        case 'latencyMs': next.latencyMs = nonNegative(v, key); break;
        case 'outage': next.outage = bool(v, key); break;
        case 'dropConnectionRatio': next.dropConnectionRatio = ratio(v, key); break;
        case 'dropResponseRatio': next.dropResponseRatio = ratio(v, key); break;
        case 'shapeChange': next.shapeChange = bool(v, key); break;
        case 'http401OnExpiry': next.http401OnExpiry = bool(v, key); break;
        case 'expireTokensNow': expireTokensNow = bool(v, key); break;
        case 'refuseLogins': next.refuseLogins = bool(v, key); break;
        case 'rejectTag':
          if (v !== null && (typeof v !== 'string' || v === '')) throw new Error('rejectTag must be a tag key or null');
          next.rejectTag = v;
          break;
        case 'gateway':
          if (v !== null && v !== 403 && v !== 404 && v !== 'html200') throw new Error('gateway must be 403, 404, html200 or null');
          next.gateway = v;
          break;
        case 'outageMode':
          if (v !== 'http503' && v !== 'drop' && v !== 'mixed') throw new Error('outageMode must be http503, drop or mixed');
          next.outageMode = v;
          break;
        case 'failPage':
          if (v !== null && !(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new Error('failPage must be a page number or null');
          next.failPage = v;
          break;
        case 'rateLimit':
          if (v === null) { next.rateLimit = null; break; }
          if (!isRecord(v)) throw new Error('rateLimit must be an object or null');
          next.rateLimit = {
            ratio: v.ratio === undefined ? 0 : ratio(v.ratio, 'rateLimit.ratio'),
            retryAfterSeconds: v.retryAfterSeconds === undefined ? 1 : nonNegative(v.retryAfterSeconds, 'rateLimit.retryAfterSeconds'),
            asEnvelope: v.asEnvelope === undefined ? false : bool(v.asEnvelope, 'rateLimit.asEnvelope'),
            ...(v.maxPerSecond === undefined ? {} : { maxPerSecond: nonNegative(v.maxPerSecond, 'rateLimit.maxPerSecond') }),
          };
          break;
        default: throw new Error(`unknown fault: ${key}`);
      }
    }
  } catch (err) {
    return { kind: 'invalid', message: (err as Error).message };
  }
  return { kind: 'ok', faults: next, expireTokensNow };
};

/** What a gateway in front of the engine answers with: HTML, not the JSON envelope. */
const GATEWAY_TITLES = { 200: 'Sign in', 403: '403 Forbidden', 404: '404 Not Found', 502: '502 Bad Gateway', 503: '503 Service Temporarily Unavailable' } as const;
const gatewayPage = (res: ServerResponse, status: keyof typeof GATEWAY_TITLES): void => {
  const title = GATEWAY_TITLES[status];
  const html = `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center><hr><center>nginx</center></body></html>`;
  res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
};

export class FaultInjector {
  faults: Faults = noFaults();

  constructor(private readonly random: Random) {}

  /**
   * Faults that strike before the engine looks at the request. Returns true when the request was answered or
   * dropped. `countThisSecond` is the /api request count of the current wall-clock second, this one included.
   */
  async strikeBefore(req: IncomingMessage, res: ServerResponse, accounting: Accounting, countThisSecond: number): Promise<boolean> {
    const f = this.faults;
    if (f.latencyMs > 0) await sleep(f.latencyMs);
    if (f.gateway !== null) {
      accounting.reject('gateway');
      gatewayPage(res, f.gateway === 'html200' ? 200 : f.gateway);
      return true;
    }
    if (f.outage) {
      accounting.reject('outage');
      const drop = f.outageMode === 'drop' || (f.outageMode === 'mixed' && this.random() < 0.5);
      if (drop) req.socket.destroy();
      else gatewayPage(res, 503);
      return true;
    }
    if (this.hit(f.dropConnectionRatio)) {
      accounting.reject('dropped');
      req.socket.destroy();
      return true;
    }
    const limit = f.rateLimit;
    if (limit !== null && (this.hit(limit.ratio) || (limit.maxPerSecond !== undefined && countThisSecond > limit.maxPerSecond))) {
      accounting.reject('rateLimited');
      const msg = `too many requests, retry after ${limit.retryAfterSeconds}s`;
      if (limit.asEnvelope === true) envelope(res, 429, msg);
      else envelope(res, 429, msg, null, 429, { 'Retry-After': String(Math.ceil(limit.retryAfterSeconds)) });
      return true;
    }
    if (this.hit(f.errorRatio)) {
      accounting.reject('injectedError');
      const kind = Math.floor(this.random() * 4);
      if (kind === 0) sendJson(res, 500, { code: 500, msg: 'Internal Server Error', data: null });
      else if (kind === 1) gatewayPage(res, 502);
      else if (kind === 2) gatewayPage(res, 503);
      else envelope(res, 500, '系统繁忙，请稍后再试 (engine error)');
      return true;
    }
    return false;
  }

  /** After the engine did the work: the answer is lost, so the client cannot know whether it landed. */
  dropsResponse(): boolean {
    return this.hit(this.faults.dropResponseRatio);
  }

  private hit(probability: number): boolean {
    return probability > 0 && (probability >= 1 || this.random() < probability);
  }
}
