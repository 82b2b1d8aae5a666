import { describe, expect, it } from 'vitest';
import { isItemRejection } from '../../../src/application/forwarding/isolate-rejected.js';
import { countsAsEngineFailure, isSystemicRejection } from '../../../src/application/ports/engine-breaker.js';
import { interpret } from '../../../src/infrastructure/engines/shuzhihui/envelope.js';
import type { HttpResponse } from '../../../src/infrastructure/engines/shuzhihui/http-client.js';

const response = (status: number, body: unknown, contentType = 'application/json'): HttpResponse => ({
  status,
  headers: { 'content-type': contentType },
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
});
const errorOf = (res: HttpResponse): unknown => {
  try {
    interpret(res, 'POST /api/v1/metrics/batch', Date.now());
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
};
const html = '<html><head><title>Sign in</title></head><body>login</body></html>';

describe('engine answers as the adapter reads them', () => {
  it.each([
    ['an HTML page under HTTP 200', response(200, html, 'text/html')],
    ['HTTP 403 from a gateway', response(403, html, 'text/html')],
    ['HTTP 404 (a route moved)', response(404, html, 'text/html')],
    ['HTTP 407 (a proxy wants credentials)', response(407, '')],
    ['envelope 403 under HTTP 200', response(200, { code: 403, msg: 'forbidden', data: null })],
  ])('treats %s as the engine refusing us: an outage, never a bad batch', (_what, res) => {
    const err = errorOf(res);
    expect(isSystemicRejection(err)).toBe(true);
    expect(countsAsEngineFailure(err)).toBe(true);
    expect(isItemRejection(err)).toBe(false);
  });

  it.each([
    ['a validation error naming an item', response(200, { code: 1001, msg: 'items[3].value: must be a number', data: null })],
    ['a batch too large', response(200, { code: 413, msg: 'batch too large', data: null })],
  ])('treats %s as a refusal of the content, to bisect', (_what, res) => {
    const err = errorOf(res);
    expect(isSystemicRejection(err)).toBe(false);
    expect(isItemRejection(err)).toBe(true);
  });

  it.each([
    ['HTTP 500', response(500, { code: 500, msg: 'boom', data: null })],
    ['an envelope 404 about one resource', response(200, { code: 404, msg: 'rule not found: r-1', data: null })],
    ['a JSON envelope without code', response(200, { msg: 'success' })],
  ])('does not treat %s as the engine refusing us', (_what, res) => {
    expect(isSystemicRejection(errorOf(res))).toBe(false);
  });
});
