import { outcomeOfError } from '../../../application/engine-guard/guard-engine.js';
import type { BudgetGrant, CallClass, EngineRequestHooks } from '../../../application/ports/engine-budget.js';
import { EngineError } from '../../../application/ports/engine-errors.js';
import { AuthSession, type Credential } from './auth-session.js';
import type { EngineLogger, ResolvedShuzhihuiConfig } from './config.js';
import { interpret } from './envelope.js';
import { HttpClient, type HttpRequest } from './http-client.js';

export interface EngineCall {
  readonly method: HttpRequest['method'];
  readonly path: string;
  /** Already-encoded body (JSON, or gzip of JSON) with its headers. */
  readonly body?: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly idempotent: boolean;
  /** Which share of the fleet-wide budget this call draws on. */
  readonly cls: CallClass;
}

/**
 * With `hooks`, every HTTP request (each page, each chunk, each login and re-send) first awaits
 * `hooks.beforeRequest` — the fleet-wide budget and breaker — and reports its outcome afterwards, so the cap
 * counts requests, not port calls. Errors from `beforeRequest` (an open circuit) propagate unchanged.
 *
 * One authenticated engine call: send with the current credential; when the engine says the credential expired
 * (envelope 401 under HTTP 200, or HTTP 401), re-login (shared with every other caller hitting the same expiry)
 * and send once more. A second rejection right after a fresh login is an `auth` error, not a loop.
 */
/** Key of the login's grant among the unanswered ones (logins are single-flight: at most one at a time). */
const LOGIN = {};

export class EngineClient {
  readonly #http: HttpClient;
  readonly #session: AuthSession;
  /** Grants of requests sent with no outcome to report (the login, a re-send), answered when they settle. */
  readonly #unanswered = new Map<object, BudgetGrant>();

  constructor(
    cfg: ResolvedShuzhihuiConfig,
    private readonly log: EngineLogger,
    private readonly hooks?: EngineRequestHooks,
  ) {
    // Logins and re-sends take a grant like any request, and hand it back once answered (its measured bound).
    const gate = (key: object) => async (cls: CallClass): Promise<void> => {
      const grant = await hooks?.beforeRequest(cls);
      if (grant !== undefined) this.#unanswered.set(key, grant);
    };
    this.#http = new HttpClient({
      baseUrl: cfg.baseUrl,
      maxConnections: cfg.maxConnections,
      connectTimeoutMs: cfg.timeouts.connectMs,
      requestTimeoutMs: cfg.timeouts.requestMs,
      ...(hooks ? { beforeResend: (req) => gate(req)(req.cls ?? 'interactive') } : {}),
    });
    this.#session = new AuthSession(this.#http, cfg, log, hooks ? gate(LOGIN) : undefined, cfg.loginBackoff);
  }

  #answered(key: object): void {
    const grant = this.#unanswered.get(key);
    if (grant === undefined) return;
    this.#unanswered.delete(key);
    this.hooks?.answered?.(grant);
  }

  #credential(p: Promise<Credential>): Promise<Credential> {
    return p.finally(() => this.#answered(LOGIN));
  }

  /** Returns the envelope's `data`; throws EngineError for everything else. */
  async call(c: EngineCall): Promise<unknown> {
    const what = `${c.method} ${c.path.split('?')[0] ?? c.path}`;
    const first = await this.#credential(this.#session.current(c.cls));
    const outcome = await this.#send(c, first.headers, what);
    if (outcome.kind === 'ok') return outcome.data;
    this.log.info({ call: what }, 'engine credential expired; logging in again');
    const renewed = await this.#credential(this.#session.renew(first, c.cls));
    const retry = await this.#send(c, renewed.headers, what);
    if (retry.kind === 'ok') return retry.data;
    throw new EngineError('auth', `${what}: credential rejected right after a fresh login`, false, { engineCode: 401 });
  }

  close(): void {
    this.#http.close();
  }

  async #send(c: EngineCall, auth: Readonly<Record<string, string>>, what: string) {
    // Nothing may be awaited between the grant and the send: the grant is fresh only now.
    const grant = await this.hooks?.beforeRequest(c.cls);
    const started = Date.now();
    const req: HttpRequest = {
      method: c.method,
      path: c.path,
      headers: { ...c.headers, ...auth },
      idempotent: c.idempotent,
      cls: c.cls,
      ...(c.body ? { body: c.body } : {}),
    };
    try {
      const res = await this.#http.request(req).finally(() => this.#answered(req));
      this.log.debug({ call: what, status: res.status, ms: Date.now() - started }, 'engine call');
      const outcome = interpret(res, what, Date.now());
      this.hooks?.afterResponse({ cls: c.cls, result: 'ok', latencyMs: Date.now() - started }, grant);
      return outcome;
    } catch (err) {
      this.hooks?.afterResponse(outcomeOfError(c.cls, err, Date.now() - started), grant);
      throw err;
    }
  }
}
