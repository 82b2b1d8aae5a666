import { describe, expect, it } from 'vitest';
import { outcomeOfStatus, parseRetryAfter } from '../../../src/infrastructure/alarm-sinks/http-outcome.js';

const now = new Date('2026-12-02T03:00:00.000Z');
const headers = (h: Record<string, string> = {}): Headers => new Headers(h);

describe('a Retry-After header', () => {
  it('is read as delta-seconds or as an HTTP date relative to now', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Wed, 02 Dec 2026 03:00:30 GMT', now)).toBe(30_000);
  });

  it('in the past means now, and garbage means "not given"', () => {
    expect(parseRetryAfter('Wed, 02 Dec 2026 02:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('an HTTP status', () => {
  it('maps 2xx to delivered, 410 to gone, other 4xx to rejected', () => {
    for (const s of [200, 201, 202, 204]) expect(outcomeOfStatus(s, headers(), '', now)).toEqual({ kind: 'delivered' });
    expect(outcomeOfStatus(410, headers(), 'bye', now)).toEqual({ kind: 'gone', reason: 'HTTP 410: bye' });
    for (const s of [400, 401, 403, 404, 413, 422]) expect(outcomeOfStatus(s, headers(), '', now).kind).toBe('rejected');
  });

  it('maps 408, 409, 425, 429 and 5xx to retry, with Retry-After when given', () => {
    for (const s of [408, 409, 425, 429, 500, 502, 503, 504]) expect(outcomeOfStatus(s, headers(), '', now).kind).toBe('retry');
    expect(outcomeOfStatus(503, headers({ 'retry-after': '12' }), '', now)).toEqual({ kind: 'retry', reason: 'HTTP 503', retryAfterMs: 12_000 });
  });

  it('retries a redirect instead of following it, naming where it pointed', () => {
    const o = outcomeOfStatus(301, headers({ location: 'http://elsewhere/' }), '', now);
    expect(o.kind).toBe('retry');
    expect(o.kind === 'retry' && o.reason).toMatch(/redirect to http:\/\/elsewhere\//);
  });
});
