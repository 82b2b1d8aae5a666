import type { RequestHandler } from 'express';
import type { OpenApiDocument } from './openapi.js';
import { problemOf } from './problem.js';

/** Marks a request whose query the hot check has validated: the contract validator skips it. */
export const HOT_CHECKED = Symbol('hot route checked');

interface ParamSchema {
  readonly type?: string;
  readonly enum?: readonly string[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly format?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly default?: unknown;
}
interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema: ParamSchema;
}
/** The first thing wrong with a value (the message express-openapi-validator gives), or the value as checked. */
type ParamCheck = (raw: unknown) => { readonly error: string } | { readonly value: unknown };

// Reserved characters (RFC 3986) must arrive percent-encoded in a query value (OpenAPI allowReserved: false): checked
// on the raw query string, before the schemas, as the validator does.
const RESERVED = /[:/?#[\]@!$&'()*+,;=]/;
const KEYWORDS = new Set(['type', 'enum', 'minLength', 'maxLength', 'format', 'minimum', 'maximum', 'default']);
// The shape of RFC 3339 date-time, as the validator's fast format mode checks it; a shape that is no real time
// (month 13) is the route's to refuse, in both modes.
const DATE_TIME = /^\d{4}-[01]\d-[0-3]\dt(?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?(?:z|[+-]\d\d(?::?\d\d)?)$/i;

/** One query parameter's schema as a function; a keyword this does not know fails at start-up, never silently. */
const compile = (p: Parameter): ParamCheck => {
  const s = p.schema;
  const unknown = Object.keys(s).filter((k) => !KEYWORDS.has(k));
  if (p.in !== 'query' || unknown.length || (s.type && s.type !== 'string' && s.type !== 'integer') || (s.format && s.format !== 'date-time')) {
    throw new Error(`hot route check: parameter ${p.name} (${p.in}) uses what it does not check: ${JSON.stringify(s)}`);
  }
  return (raw) => {
    if (s.type === 'integer') {
      const n = typeof raw === 'string' && raw !== '' ? Number(raw) : NaN;
      if (!Number.isInteger(n)) return { error: 'must be integer' };
      if (s.minimum !== undefined && n < s.minimum) return { error: `must be >= ${s.minimum}` };
      if (s.maximum !== undefined && n > s.maximum) return { error: `must be <= ${s.maximum}` };
      return { value: n };
    }
    if (s.type === 'string' && typeof raw !== 'string') return { error: 'must be string' };
    if (s.enum && !s.enum.includes(raw as string)) return { error: `must be equal to one of the allowed values: ${s.enum.join(', ')}` };
    const text = raw as string;
    if (s.maxLength !== undefined && text.length > s.maxLength) return { error: `must NOT have more than ${s.maxLength} characters` };
    if (s.minLength !== undefined && text.length < s.minLength) return { error: `must NOT have fewer than ${s.minLength} characters` };
    if (s.format === 'date-time' && !DATE_TIME.test(text)) return { error: 'must match format "date-time"' };
    return { value: text };
  };
};

/**
 * Query checking for hot GET routes, written for speed (guarded by `npm run bench -- api`): express-openapi-validator
 * finds a request's operation by compiling every documented path's pattern until one matches, on every request,
 * which cost ~10 % of the alarm list's CPU. Here each listed path's query parameters are compiled once from the
 * same operation in docs/openapi.yaml and looked up by exact path; the answer to a bad query is the validator's
 * (400, the first failing parameter). Only operations that leave unknown query parameters to their route (as the
 * tag filters of /api/v1/alarms) and use the keywords above are accepted, or the service does not start.
 * Requests are checked here only when responses are not (production): the tests that check every response keep
 * the validator on these paths too, and a test compares both answers query by query.
 */
export const hotRouteCheck = (doc: OpenApiDocument, paths: readonly string[]): RequestHandler => {
  const routes = new Map<string, { readonly params: readonly [Parameter, ParamCheck][] }>();
  for (const path of paths) {
    const op = doc.paths[path]?.get as { parameters?: Parameter[]; 'x-eov-allow-unknown-query-parameters'?: boolean } | undefined;
    if (!op || op['x-eov-allow-unknown-query-parameters'] !== true) throw new Error(`hot route check: GET ${path} is not documented, or refuses unknown query parameters`);
    routes.set(path, { params: (op.parameters ?? []).map((p) => [p, compile(p)]) });
  }
  return (req, _res, next) => {
    const route = req.method === 'GET' ? routes.get(req.path) : undefined;
    if (!route) return next();
    const raw = rawQuery(req.originalUrl);
    for (const [p] of route.params) {
      if (raw.get(p.name)?.some((v) => RESERVED.test(v))) {
        return next(invalid(p.name, `Parameter '${p.name}' must be url encoded. Its value may not contain reserved characters.`, false));
      }
    }
    const query = { ...(req.query as Record<string, unknown>) };
    for (const [p, check] of route.params) {
      const value = query[p.name];
      if (value === undefined) {
        if (p.required) return next(invalid(p.name, `must have required property '${p.name}'`));
        if (p.schema.default !== undefined) query[p.name] = p.schema.default;
        continue;
      }
      const checked = check(value);
      if ('error' in checked) return next(invalid(p.name, checked.error));
      query[p.name] = checked.value;
    }
    // Express 5 parses req.query on every read: the checked copy replaces it, as the validator does.
    Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
    Object.assign(req, { openapi: { openApiRoute: req.path }, [HOT_CHECKED]: true });
    next();
  };
};

/** Undecoded values per name of a URL's query string (only the documented names are looked up). */
const rawQuery = (url: string): Map<string, string[]> => {
  const out = new Map<string, string[]>();
  const at = url.indexOf('?');
  if (at < 0) return out;
  for (const pair of url.slice(at + 1).split('&')) {
    const [k = '', v = ''] = pair.split('=');
    out.set(k, [...(out.get(k) ?? []), v]);
  }
  return out;
};

/** The validator's 400: `detail` names the field as Ajv does (`request/query/x …`), or is the message itself. */
const invalid = (name: string, message: string, ajvStyle = true) =>
  problemOf(400, ajvStyle ? `request/query/${name} ${message}` : message, {
    type: '/problems/validation',
    title: 'The request does not match the API contract',
    errors: [{ pointer: `query.${name}`, message }],
  });
