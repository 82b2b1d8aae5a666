import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from 'pino';
import { isEngineError } from '../../application/ports/engine-errors.js';

/** One field-level complaint: `pointer` is a JSON pointer into the body, or `query.x` / `header.x` / `path.x`. */
export interface ProblemField {
  readonly pointer: string;
  readonly message: string;
}

/** RFC 9457 problem details; `type` is a relative URI under /problems/, documented in docs/openapi.yaml. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly errors?: readonly ProblemField[];
  /** Seconds, sent as Retry-After (not in the body). */
  readonly retryAfterSeconds?: number;
  /** Extra headers (WWW-Authenticate). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Thrown by handlers and middleware; the one error handler turns it into application/problem+json. */
export class HttpProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
    this.name = 'HttpProblem';
  }
}

const TITLES: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Authentication required'],
  403: ['forbidden', 'Not allowed for this key'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  412: ['precondition-failed', 'Precondition failed'],
  413: ['payload-too-large', 'Request body too large'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['unprocessable', 'Request understood but refused'],
  428: ['precondition-required', 'If-Match required'],
  429: ['rate-limited', 'Too many requests'],
  500: ['internal', 'Internal error'],
  502: ['bad-gateway', 'The analysis engine answered unexpectedly'],
  503: ['unavailable', 'Temporarily unavailable'],
};

/** A problem with the usual type and title for its status. */
export const problemOf = (status: number, detail?: string, more: Partial<Problem> = {}): HttpProblem => {
  const [slug, title] = TITLES[status] ?? ['error', 'Error'];
  return new HttpProblem({ type: `/problems/${slug}`, title, status, ...(detail !== undefined && { detail }), ...more });
};

export const sendProblem = (req: Request, res: Response, p: Problem): void => {
  for (const [k, v] of Object.entries(p.headers ?? {})) res.setHeader(k, v);
  if (p.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(p.retryAfterSeconds))));
  const body = {
    type: p.type,
    title: p.title,
    status: p.status,
    ...(p.detail !== undefined && { detail: p.detail }),
    instance: req.originalUrl.split('?')[0],
    ...(p.errors !== undefined && { errors: p.errors }),
  };
  res.status(p.status).type('application/problem+json').send(JSON.stringify(body));
};

interface ValidatorError {
  status?: number;
  statusCode?: number;
  type?: string;
  message?: string;
  errors?: { path?: string; message?: string }[];
}

/** express-openapi-validator paths read `/body/x/y`, `/query/x`, `.query.x`: one shape for clients. */
const pointerOf = (path: string | undefined): string => {
  if (!path) return '';
  const p = path.replace(/^\./, '/').replace(/\./g, '/');
  if (p.startsWith('/body')) return p.slice('/body'.length) || '/';
  const [, where, name] = /^\/?(query|headers|params|path)\/?(.*)$/.exec(p) ?? [];
  if (where) return `${where === 'headers' ? 'header' : where === 'params' ? 'path' : where}.${name}`;
  return p;
};

/** Maps every error that reaches express to a problem; logs unexpected ones once, here, with the request. */
export const problemHandler =
  (log: Logger): ErrorRequestHandler =>
  (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err instanceof HttpProblem) return sendProblem(req, res, err.problem);
    if (isEngineError(err)) {
      const retry = err.details.retryAfterMs !== undefined ? err.details.retryAfterMs / 1000 : 1;
      if (err.kind === 'rejected') return sendProblem(req, res, problemOf(422, `the analysis engine refused the request: ${err.message}`).problem);
      if (err.kind === 'contract') {
        log.error({ err, url: req.originalUrl }, 'engine answered in an unexpected shape');
        return sendProblem(req, res, problemOf(502, 'the analysis engine answered in an unexpected shape').problem);
      }
      return sendProblem(req, res, { ...problemOf(503, `the analysis engine is unavailable (${err.kind})`).problem, retryAfterSeconds: retry });
    }
    const e = (err ?? {}) as ValidatorError & { type?: string; expose?: boolean };
    const status = e.status ?? e.statusCode;
    if (e.type === 'entity.too.large') return sendProblem(req, res, problemOf(413, 'the request body is larger than the limit').problem);
    if (e.type === 'entity.parse.failed') return sendProblem(req, res, problemOf(400, 'the request body is not valid JSON').problem);
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const errors = e.errors?.map((x) => ({ pointer: pointerOf(x.path), message: x.message ?? 'invalid' }));
      const slugged = problemOf(status, e.message).problem;
      const validation = status === 400 && errors ? { type: '/problems/validation', title: 'The request does not match the API contract' } : {};
      return sendProblem(req, res, { ...slugged, ...validation, ...(errors && status === 400 && { errors }) });
    }
    log.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    // A response that breaks the contract (tests validate responses) is our bug: say which field.
    const detail = status === 500 && e.errors ? `response does not match the contract: ${e.errors.map((x) => `${x.path} ${x.message}`).join('; ')}` : undefined;
    return sendProblem(req, res, problemOf(500, detail).problem);
  };
