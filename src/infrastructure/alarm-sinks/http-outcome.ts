import type { DeliveryOutcome } from '../../application/ports/alarm-sink.js';

/** Statuses that say "not now" rather than "never": the request may succeed when sent again unchanged. */
const TRANSIENT_4XX = new Set([408, 409, 425, 429]);

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 §10.2.3). A date in the past
 * is 0; anything unparsable is ignored (undefined), so the caller's own backoff applies.
 */
export function parseRetryAfter(header: string | null, now: Date): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only a date-shaped value: Date.parse accepts "0" or "12" as years.
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/**
 * One HTTP answer → DeliveryOutcome, the same for every HTTP sink: 2xx delivered; 410 gone; 408/409/425/429 and
 * 5xx retry (with Retry-After when given); a redirect retries too (a signed POST is not re-sent elsewhere
 * behind the operator's back: the URL is wrong until someone fixes it, and the events wait in the log); any
 * other 4xx rejected.
 */
export function outcomeOfStatus(status: number, headers: Headers, detail: string, now: Date): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  const reason = `HTTP ${status}${detail ? `: ${detail}` : ''}`;
  if (status === 410) return { kind: 'gone', reason };
  if (status >= 500 || TRANSIENT_4XX.has(status)) {
    const retryAfterMs = parseRetryAfter(headers.get('retry-after'), now);
    return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
  }
  if (status >= 300 && status < 400) return { kind: 'retry', reason: `${reason} (redirect to ${headers.get('location') ?? '?'}; fix the URL)` };
  return { kind: 'rejected', reason };
}

/** A request that got no HTTP answer (refused, reset, DNS, timeout) is always worth another try. */
export function outcomeOfError(err: unknown, timeoutMs: number): DeliveryOutcome {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return { kind: 'retry', reason: `no answer within ${timeoutMs} ms` };
  }
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const what = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return { kind: 'retry', reason: `network: ${what}` };
}

/** Bytes of an answer's body read at most: enough for an explanation, bounded whatever the receiver sends. */
const MAX_BODY = 4096;

/**
 * The start of an answer's body, for the reason text (a receiver's explanation helps whoever reads the dead
 * letter). Reads at most MAX_BODY bytes, then drops the rest (the connection is not reused then: fine).
 */
export async function briefBody(res: Response): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_BODY) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
    if (size >= MAX_BODY) await reader.cancel();
  } catch {
    // A body cut short still leaves the status, which decides the outcome.
  }
  const text = Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** POST with a whole-request deadline; the answer's body is read (so the socket returns to the pool). */
export async function postForOutcome(
  url: string,
  init: { readonly headers: Record<string, string>; readonly body: string; readonly timeoutMs: number; readonly now: () => Date },
): Promise<DeliveryOutcome> {
  let res: Response;
  let detail: string;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: init.headers,
      body: init.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    detail = await briefBody(res);
  } catch (err) {
    return outcomeOfError(err, init.timeoutMs);
  }
  return outcomeOfStatus(res.status, res.headers, res.ok ? '' : detail, init.now());
}
