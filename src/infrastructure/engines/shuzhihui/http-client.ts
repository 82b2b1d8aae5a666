import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { CallClass } from '../../../application/ports/engine-budget.js';
import { EngineError } from '../../../application/ports/engine-errors.js';

const gunzip = promisify(zlib.gunzip);

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query, appended to the base URL. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** Safe to send twice (reads, PUT, DELETE): allows the one retry after a stale keep-alive socket. */
  readonly idempotent?: boolean;
  /** Budget class of the call this request belongs to (see EngineRequestHooks). */
  readonly cls?: CallClass;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface HttpClientOptions {
  readonly baseUrl: string;
  readonly maxConnections: number;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Awaited before the one re-send after a stale keep-alive socket: a re-send is a request and takes a token. */
  readonly beforeResend?: (req: HttpRequest) => Promise<void>;
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * A keep-alive HTTP client on node:http: one pooled Agent per engine, connect and whole-request timeouts, gzip
 * responses decoded. Transport failures become `unavailable` EngineErrors; statuses are left to the caller.
 */
export class HttpClient {
  readonly #agent: http.Agent;
  readonly #base: URL;
  readonly #transport: typeof http | typeof https;

  constructor(private readonly opts: HttpClientOptions) {
    this.#base = new URL(opts.baseUrl);
    this.#transport = this.#base.protocol === 'https:' ? https : http;
    const Agent = this.#base.protocol === 'https:' ? https.Agent : http.Agent;
    // An idle socket is dropped after 4 s, before Node's default 5 s server keep-alive timeout, so we rarely
    // write into a socket the server is closing.
    this.#agent = new Agent({ keepAlive: true, maxSockets: opts.maxConnections, maxFreeSockets: opts.maxConnections, timeout: 4_000 });
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.#once(req, req.idempotent === true);
    } catch (err) {
      // A pooled socket the server closed while idle fails on first use. Node's documented answer is to send
      // again on a fresh socket, which we do only for idempotent requests: a push may have been processed
      // before the reset, and its caller retries it with the same X-Request-Id instead.
      if (err instanceof ResetOnReusedSocket) {
        await this.opts.beforeResend?.(req);
        return this.#once(req, false);
      }
      throw err;
    }
  }

  close(): void {
    this.#agent.destroy();
  }

  #once(req: HttpRequest, mayRetryReset: boolean): Promise<HttpResponse> {
    const what = `${req.method} ${req.path.split('?')[0] ?? ''}`;
    const url = new URL(this.#base.pathname.replace(/\/+$/, '') + req.path, this.#base);
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        reject(e);
      };
      const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'gzip', ...req.headers };
      if (req.body) headers['content-length'] = String(req.body.length);
      const r = this.#transport.request(url, { method: req.method, agent: this.#agent, headers });
      const deadline = setTimeout(() => {
        r.destroy(new EngineError('unavailable', `${what}: no complete answer within ${this.opts.requestTimeoutMs} ms`, true));
      }, this.opts.requestTimeoutMs);
      r.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(() => {
          r.destroy(new EngineError('unavailable', `${what}: connect timed out after ${this.opts.connectTimeoutMs} ms`, true));
        }, this.opts.connectTimeoutMs);
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
      r.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof EngineError) return fail(e);
        if (mayRetryReset && r.reusedSocket && e.code && RESET_CODES.has(e.code)) return fail(new ResetOnReusedSocket());
        fail(new EngineError('unavailable', `${what}: ${e.code ?? e.message}`, true));
      });
      r.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => fail(new EngineError('unavailable', `${what}: response aborted (${e.message})`, true)));
        res.on('aborted', () => fail(new EngineError('unavailable', `${what}: response aborted`, true)));
        res.on('end', () => {
          if (settled) return;
          const raw = Buffer.concat(chunks);
          const decoded = res.headers['content-encoding'] === 'gzip' ? gunzip(raw) : Promise.resolve(raw);
          decoded.then(
            (body) => {
              if (settled) return;
              settled = true;
              clearTimeout(deadline);
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            },
            () => fail(new EngineError('contract', `${what}: body: expected gzip, got undecodable bytes`, false, { field: 'body' })),
          );
        });
      });
      r.end(req.body);
    });
  }
}

class ResetOnReusedSocket extends Error {}
