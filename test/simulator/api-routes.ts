import type { IncomingMessage, ServerResponse } from 'node:http';
import { alarmHistory, currentAlarms } from './alarm-routes.js';
import { arrivalClock } from './accounting.js';
import { SESSION_COOKIE } from './auth.js';
import type { EngineState } from './engine-state.js';
import { envelope, isRecord, MAX_BODY_BYTES, parseJson, readBody } from './http-io.js';
import { metricsBatch, metricTrend } from './metric-routes.js';
import { failure, invalid, success, type Reply } from './reply.js';
import type { Route, RouteContext } from './route-context.js';
import { createRule, deleteRule, listRules, updateRule } from './rule-routes.js';

const login = ({ state, body }: RouteContext): Reply => {
  const b = isRecord(body) ? body : {};
  if (typeof b.username !== 'string' || b.username === '') return invalid('username', 'is required');
  if (typeof b.password !== 'string' || b.password === '') return invalid('password', 'is required');
  const { options, tokens, accounting } = state;
  const refused = state.faults.faults.refuseLogins || b.username !== options.username || b.password !== options.password;
  if (refused) return failure(401, 'invalid username or password', 'badCredentials');
  accounting.logins++;
  const session = tokens.issue(b.username, Date.now());
  const headers = options.authMode === 'cookie'
    ? { 'Set-Cookie': `${SESSION_COOKIE}=${session.sessionId}; Path=/; Max-Age=${session.expiresIn}; HttpOnly; SameSite=Lax` }
    : undefined;
  return success({ token: session.token, expiresIn: session.expiresIn }, headers);
};

const RULE_ID = '(?<ruleId>[^/]+)';
const route = (method: string, path: string, auth: boolean, handle: Route['handle']): Route => ({
  method,
  pattern: new RegExp(`^${path.replace('{ruleId}', RULE_ID)}$`),
  endpoint: `${method} ${path}`,
  auth,
  readsBody: method === 'POST' || method === 'PUT',
  handle,
});

export const ROUTES: readonly Route[] = [
  route('POST', '/api/auth/login', false, login),
  route('POST', '/api/v1/metrics/batch', true, metricsBatch),
  route('GET', '/api/v1/metrics/trend', true, metricTrend),
  route('POST', '/api/v1/anomaly/rules/page', true, listRules),
  route('POST', '/api/v1/anomaly/rules', true, createRule),
  route('PUT', '/api/v1/anomaly/rules/{ruleId}', true, updateRule),
  route('DELETE', '/api/v1/anomaly/rules/{ruleId}', true, deleteRule),
  route('POST', '/api/v1/alarms/current/page', true, currentAlarms),
  route('POST', '/api/v1/alarms/history/page', true, alarmHistory),
];

const findRoute = (method: string, path: string): { route: Route; params: Record<string, string> } | undefined => {
  for (const r of ROUTES) {
    if (r.method !== method) continue;
    const match = r.pattern.exec(path);
    if (match !== null) return { route: r, params: { ...match.groups } };
  }
  return undefined;
};

const AUTH_MESSAGES = { missing: 'not logged in', invalid: 'token invalid', expired: 'token expired' } as const;

/**
 * One /api request: counted on arrival, then faults, auth, body, route. Auth failures and most errors are
 * envelopes under HTTP 200, as the engine's web UI expects; `http401OnExpiry` turns auth failures into HTTP 401.
 */
export const handleApi = async (state: EngineState, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
  const method = req.method ?? 'GET';
  const found = findRoute(method, url.pathname);
  const countThisSecond = state.accounting.countRequest(found?.route.endpoint ?? 'OTHER', Date.now(), arrivalClock());
  if (await state.faults.strikeBefore(req, res, state.accounting, countThisSecond)) return;
  const reply = await decide(state, req, url, found);
  if (reply.reason !== undefined) state.accounting.reject(reply.reason);
  if (state.faults.dropsResponse()) {
    state.accounting.reject('dropped');
    req.socket.destroy();
    return;
  }
  envelope(res, reply.code, reply.msg, reply.data, reply.status ?? 200, reply.headers ?? {});
};

const decide = async (state: EngineState, req: IncomingMessage, url: URL, found: ReturnType<typeof findRoute>): Promise<Reply> => {
  if (found === undefined) return failure(404, `no such endpoint: ${req.method ?? ''} ${url.pathname}`, 'notFound', 404);
  const { route: r, params } = found;
  if (r.auth) {
    const verdict = state.tokens.authenticate(req, Date.now());
    if (verdict.kind !== 'ok') {
      const status = state.faults.faults.http401OnExpiry ? 401 : 200;
      return failure(401, AUTH_MESSAGES[verdict.kind], verdict.kind === 'expired' ? 'expired' : 'unauthorized', status);
    }
  }
  let body: unknown = {};
  if (r.readsBody) {
    const read = await readBody(req);
    if (read.kind === 'aborted') return failure(400, 'request aborted');
    if (read.kind === 'too-large') return failure(413, `request body too large: over ${MAX_BODY_BYTES / 1024 / 1024} MiB`, 'tooLarge');
    if (read.kind === 'bad-encoding') return invalid('body', read.message);
    const parsed = parseJson(read.text);
    if (parsed.kind === 'error') return invalid('body', 'not valid JSON');
    body = parsed.value;
  }
  return r.handle({ state, req, url, body, params, nowMs: Date.now() });
};
