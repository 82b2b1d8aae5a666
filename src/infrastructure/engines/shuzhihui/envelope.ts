import { EngineError } from '../../../application/ports/engine-errors.js';
import type { HttpResponse } from './http-client.js';
import { contractError, inContext, isObject } from './shape.js';

/**
 * Reads the engine's answer: the HTTP status first (its gateway speaks HTTP), then the `{code, msg, data}`
 * envelope, where `code != 0` is an error even under HTTP 200. Every failure becomes a typed EngineError here,
 * in one place; `expired` is not an error yet because the caller re-logs in once before giving up.
 */
export type Outcome = { readonly kind: 'ok'; readonly data: unknown } | { readonly kind: 'expired'; readonly msg?: string };

/** The engine said the batch is too large (HTTP or envelope 413): the caller may split and try again. */
export const isTooLarge = (e: unknown): e is EngineError =>
  e instanceof EngineError && e.kind === 'rejected' && (e.details.status === 413 || e.details.engineCode === 413);

/** `Retry-After` is either delta-seconds or an HTTP date; anything else is ignored rather than guessed. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

const header = (res: HttpResponse, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const rateLimited = (what: string, retryAfterMs: number | undefined, d: { status?: number; engineCode?: number }) =>
  new EngineError('rate_limited', `${what}: rate limited by the engine`, true, {
    ...d,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

function fromHttpStatus(res: HttpResponse, what: string, nowMs: number): EngineError {
  const status = res.status;
  const d = { status };
  if (status === 429) return rateLimited(what, parseRetryAfter(header(res, 'retry-after'), nowMs), d);
  // 502/503/504 come from the gateway in front of the engine: the engine is unreachable, not broken.
  if (status === 502 || status === 503 || status === 504 || status === 408)
    return new EngineError('unavailable', `${what}: HTTP ${status} from the engine's gateway`, true, d);
  if (status >= 500) return new EngineError('server', `${what}: HTTP ${status}`, true, d);
  if (status >= 400) return new EngineError('rejected', `${what}: HTTP ${status}`, false, d);
  // A redirect is typically a web UI sending an expired session to its login page: not an API answer.
  return new EngineError('contract', `${what}: unexpected HTTP ${status}`, false, d);
}

function fromEnvelope(code: number, msg: string, data: unknown, res: HttpResponse, what: string, nowMs: number): EngineError {
  const d = { status: res.status, engineCode: code };
  const text = `${what}: engine code ${code}${msg ? ` (${msg})` : ''}`;
  if (code === 429) {
    const fromBody = isObject(data) && typeof data['retryAfter'] === 'number' ? data['retryAfter'] * 1000 : undefined;
    return rateLimited(what, parseRetryAfter(header(res, 'retry-after'), nowMs) ?? fromBody, d);
  }
  if (code >= 500 && code <= 599) return new EngineError('server', text, true, d);
  // 1001 validation, 403 forbidden, 413 too large, and any code we do not know: retrying the same request will
  // not change the answer, so it is not retryable; the message carries the engine's code and msg for the operator.
  return new EngineError('rejected', text, false, d);
}

function envelopeOf(body: unknown): { code: number; msg: string; data: unknown } {
  if (!isObject(body)) throw contractError('body', 'an envelope object', body);
  const code = body['code'];
  if (typeof code !== 'number' || !Number.isInteger(code)) throw contractError('code', 'integer', code);
  return { code, msg: typeof body['msg'] === 'string' ? body['msg'] : '', data: body['data'] };
}

export function interpret(res: HttpResponse, what: string, nowMs: number): Outcome {
  if (res.status === 401) return { kind: 'expired' };
  if (res.status < 200 || res.status > 299) throw fromHttpStatus(res, what, nowMs);
  let body: unknown;
  try {
    body = JSON.parse(res.body.toString('utf8'));
  } catch {
    const type = header(res, 'content-type') ?? 'no content-type';
    throw new EngineError('contract', `${what}: body: expected a JSON envelope, got ${type}`, false, { status: res.status, field: 'body' });
  }
  const { code, msg, data } = inContext(what, () => envelopeOf(body));
  if (code === 0) return { kind: 'ok', data };
  if (code === 401) return { kind: 'expired', ...(msg ? { msg } : {}) };
  throw fromEnvelope(code, msg, data, res, what, nowMs);
}
