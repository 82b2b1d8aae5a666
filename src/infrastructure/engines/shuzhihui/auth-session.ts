import type { CallClass } from '../../../application/ports/engine-budget.js';
import { EngineError } from '../../../application/ports/engine-errors.js';
import type { EngineLogger, ResolvedShuzhihuiConfig } from './config.js';
import { interpret } from './envelope.js';
import type { HttpClient, HttpResponse } from './http-client.js';
import { field, id, num, obj, optional } from './shape.js';

/** What to send with a request, and which login produced it (to tell a stale credential from a fresh one). */
export interface Credential {
  readonly headers: Readonly<Record<string, string>>;
  readonly generation: number;
}

/**
 * The engine session: logs in lazily, and again when the engine says the token expired. Logins are
 * single-flight: however many calls hit the expiry at once, one login runs and all of them share its result.
 * The password and token live in private fields, so neither shows up when the object is logged or inspected.
 */
export class AuthSession {
  readonly #username: string;
  readonly #password: string;
  readonly #mode: 'bearer' | 'cookie';
  readonly #loginPath: string;
  #credential: Credential | undefined;
  #inflight: Promise<Credential> | undefined;
  #generation = 0;
  readonly #backoff: LoginBackoff;
  /** Refused logins in a row, the last refusal, and until when no login is sent (exponential backoff). */
  #refusals = 0;
  #refusal: EngineError | undefined;
  #quietUntil = 0;

  constructor(
    private readonly http: HttpClient,
    cfg: Pick<ResolvedShuzhihuiConfig, 'auth' | 'paths'>,
    private readonly log: EngineLogger,
    /** Awaited before each login request (the fleet-wide budget): a login is a request like any other. */
    private readonly gate?: (cls: CallClass) => Promise<void>,
    backoff: Partial<LoginBackoff> = {},
  ) {
    this.#backoff = { baseMs: backoff.baseMs ?? 1_000, maxMs: backoff.maxMs ?? 60_000 };
    this.#username = cfg.auth.username;
    this.#password = cfg.auth.password;
    this.#mode = cfg.auth.mode;
    this.#loginPath = cfg.paths.login;
  }

  /** The current credential, logging in first if there is none. */
  current(cls: CallClass = 'interactive'): Promise<Credential> {
    return this.#credential ? Promise.resolve(this.#credential) : this.#login(cls);
  }

  /**
   * Called with the credential the engine just rejected. If another caller already replaced it, that newer
   * credential is returned without a second login; otherwise one login runs (or the running one is joined).
   */
  renew(rejected: Credential, cls: CallClass = 'interactive'): Promise<Credential> {
    if (this.#credential && this.#credential.generation !== rejected.generation) return Promise.resolve(this.#credential);
    this.#credential = undefined;
    return this.#login(cls);
  }

  /**
   * Single-flight: the login takes the budget class of the call that started it. After refused credentials no
   * login is sent until the backoff ends (1 s, 2 s, 4 s … up to the maximum): every call meanwhile fails at once
   * with the refusal, so a wrong or rotated password costs a handful of logins a minute, not one per job (an
   * engine that locks an account after N bad logins would otherwise lock ours).
   */
  #login(cls: CallClass): Promise<Credential> {
    const wait = this.#quietUntil - Date.now();
    if (this.#refusal && wait > 0) {
      const r = this.#refusal;
      return Promise.reject(new EngineError('auth', `${r.message}; next login in ${wait} ms`, false, { ...r.details, retryAfterMs: wait }));
    }
    this.#inflight ??= this.#doLogin(cls).finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #doLogin(cls: CallClass): Promise<Credential> {
    const what = `POST ${this.#loginPath}`;
    await this.gate?.(cls);
    const started = Date.now();
    const res = await this.http.request({
      method: 'POST',
      path: this.#loginPath,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ username: this.#username, password: this.#password })),
    });
    let data: unknown;
    try {
      const outcome = interpret(res, what, Date.now());
      if (outcome.kind === 'expired') {
        const said = outcome.msg ? `: ${outcome.msg}` : '';
        throw new EngineError('auth', `${what}: credentials rejected (401${said})`, false, { status: res.status, engineCode: 401 });
      }
      data = outcome.data;
    } catch (e) {
      // Refused credentials (403, validation) are an auth failure; an engine that is down or busy is not.
      const refusal = e instanceof EngineError && e.kind === 'rejected' ? new EngineError('auth', `${what}: login refused: ${e.message}`, false, e.details) : e;
      if (refusal instanceof EngineError && refusal.kind === 'auth') this.#refused(refusal);
      throw refusal;
    }
    this.#refusals = 0;
    this.#refusal = undefined;
    const d = obj(data, 'data');
    const expiresIn = field(d, 'expiresIn', 'data', optional(num));
    const headers: Record<string, string> =
      this.#mode === 'bearer'
        ? { authorization: `Bearer ${field(d, 'token', 'data', id)}` }
        : { cookie: sessionCookie(res, what) };
    this.#generation += 1;
    const credential = { headers, generation: this.#generation };
    this.#credential = credential;
    // Never the token or cookie: only that a login happened, and how long the engine says it lasts.
    this.log.info({ mode: this.#mode, expiresIn, generation: this.#generation, ms: Date.now() - started }, 'engine login');
    return credential;
  }

  #refused(refusal: EngineError): void {
    this.#refusals += 1;
    this.#refusal = refusal;
    const pause = Math.min(this.#backoff.maxMs, this.#backoff.baseMs * 2 ** Math.min(30, this.#refusals - 1));
    this.#quietUntil = Date.now() + pause;
    this.log.warn({ refusals: this.#refusals, nextLoginInMs: pause, err: { message: refusal.message } }, 'engine login refused; backing off');
  }
}

/** Pause after refused credentials: `baseMs`, doubled per refusal in a row, at most `maxMs`. */
export interface LoginBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Every `name=value` the login set, as one Cookie header (attributes such as Path and HttpOnly dropped). */
function sessionCookie(res: HttpResponse, what: string): string {
  const set = res.headers['set-cookie'] ?? [];
  const pairs = set.map((c) => c.split(';')[0]?.trim() ?? '').filter((p) => p.includes('='));
  if (pairs.length === 0)
    throw new EngineError('contract', `${what}: Set-Cookie: expected a session cookie, got none`, false, { field: 'Set-Cookie' });
  return pairs.join('; ');
}
