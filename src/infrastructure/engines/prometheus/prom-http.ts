import { outcomeOfError } from '../../../application/engine-guard/guard-engine.js';
import type { CallClass, EngineRequestHooks } from '../../../application/ports/engine-budget.js';
import { EngineError } from '../../../application/ports/engine-errors.js';

export interface PromRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query, appended to the base URL. */
  readonly path: string;
  readonly cls: CallClass;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string;
  /** Error bodies that mean "your data was refused" even under a 5xx (not an engine fault: no breaker). */
  readonly refusal?: RegExp;
}

export interface PromResponse {
  readonly status: number;
  readonly text: string;
}

const retryAfterMs = (h: string | null): number | undefined => {
  if (h === null) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(h);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
};

/** A status that is not 2xx as the EngineError callers act on; Prometheus's message is kept (4 KiB at most). */
export function errorOfStatus(what: string, status: number, text: string, retryAfter?: number): EngineError {
  const msg = `${what}: HTTP ${status} ${text.slice(0, 4096).trim()}`;
  if (status === 429) return new EngineError('rate_limited', msg, true, { status, ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}) });
  if (status === 502 || status === 503 || status === 504) return new EngineError('unavailable', msg, true, { status });
  if (status >= 500) return new EngineError('server', msg, true, { status });
  if (status === 401) return new EngineError('auth', msg, false, { status });
  return new EngineError('rejected', msg, false, { status });
}

/**
 * Every request to Prometheus goes through here: it first awaits `hooks.beforeRequest` (the fleet-wide budget
 * and breaker; their errors propagate unchanged), then reports the outcome once. Transport failures and
 * timeouts are `unavailable`; statuses map as in `errorOfStatus`.
 */
export class PromHttp {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
    private readonly hooks?: EngineRequestHooks,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {}

  url(path: string): string {
    return this.baseUrl.replace(/\/+$/, '') + path;
  }

  async request(req: PromRequest): Promise<PromResponse> {
    const what = `${req.method} ${req.path.split('?')[0] ?? req.path}`;
    // The grant goes back with the outcome: the budget books the request's arrival by its answer (issue 14).
    const grant = await this.hooks?.beforeRequest(req.cls);
    const started = Date.now();
    try {
      const init = { method: req.method, headers: { ...this.headers, ...req.headers }, ...(req.body !== undefined ? { body: req.body } : {}) };
      const res = await this.#exchange(what, this.url(req.path), init);
      if (res.status >= 500 && req.refusal?.test(res.text)) throw new EngineError('rejected', `${what}: HTTP ${res.status} ${res.text.slice(0, 4096).trim()}`, false, { status: res.status });
      if (res.status < 200 || res.status > 299) throw errorOfStatus(what, res.status, res.text, retryAfterMs(res.retryAfter));
      this.hooks?.afterResponse({ cls: req.cls, result: 'ok', latencyMs: Date.now() - started }, grant);
      return { status: res.status, text: res.text };
    } catch (err) {
      this.hooks?.afterResponse(outcomeOfError(req.cls, err, Date.now() - started), grant);
      throw err;
    }
  }

  /** A whole exchange, body included, within the timeout; transport errors as `unavailable`. */
  async #exchange(what: string, url: string, init: RequestInit): Promise<{ status: number; text: string; retryAfter: string | null }> {
    try {
      const res = await globalThis.fetch(url, { ...init, signal: AbortSignal.timeout(this.timeoutMs) });
      return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
    } catch (err) {
      const cause = err instanceof Error ? ((err.cause as { code?: string } | undefined)?.code ?? err.message) : String(err);
      throw new EngineError('unavailable', `${what}: ${cause}`, true);
    }
  }

  /** A Prometheus API answer `{status: "success", data}`: returns `data`, or throws `contract`. */
  async api(req: PromRequest): Promise<unknown> {
    const res = await this.request(req);
    const what = `${req.method} ${req.path.split('?')[0] ?? req.path}`;
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      throw new EngineError('contract', `${what}: body: expected JSON, got ${JSON.stringify(res.text.slice(0, 80))}`, false, { field: 'body' });
    }
    if (typeof body !== 'object' || body === null || (body as { status?: unknown }).status !== 'success' || !('data' in body)) {
      throw new EngineError('contract', `${what}: body: expected {status: "success", data}`, false, { field: 'status' });
    }
    return (body as { data: unknown }).data;
  }
}
