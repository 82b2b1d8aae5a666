import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiScope } from '../../infrastructure/config/config-schema.js';
import { problemOf } from './problem.js';

/** The caller, once its key is known. `name` is the actor recorded on every write it makes. */
export interface ApiPrincipal {
  readonly name: string;
  readonly scopes: readonly ApiScope[];
}

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by `authenticate`; absent on the unauthenticated ops routes. */
    principal?: ApiPrincipal;
  }
}

interface StoredKey {
  readonly name: string;
  readonly hash: Buffer;
  readonly scopes: readonly ApiScope[];
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
const RANK: Record<ApiScope, number> = { read: 1, write: 2, admin: 3 };

/**
 * API keys held only as sha256 digests. A presented key is hashed and compared with every stored digest by
 * `timingSafeEqual` (equal-length buffers, no early exit over the list), so neither the match nor its position
 * leaks through timing; the key itself is never kept, logged or echoed.
 */
export class ApiKeys {
  private readonly keys: readonly StoredKey[];

  constructor(config: readonly { name: string; key?: string; keyHash?: string; scopes: readonly ApiScope[] }[]) {
    this.keys = config.map((k) => ({ name: k.name, hash: k.keyHash ? Buffer.from(k.keyHash, 'hex') : sha256(k.key ?? ''), scopes: [...k.scopes] }));
  }

  get size(): number {
    return this.keys.length;
  }

  find(presented: string): ApiPrincipal | undefined {
    const digest = sha256(presented);
    let found: StoredKey | undefined;
    for (const k of this.keys) if (timingSafeEqual(digest, k.hash) && found === undefined) found = k;
    return found && { name: found.name, scopes: found.scopes };
  }
}

/** `admin` includes `write`, which includes `read`. */
export const allows = (principal: ApiPrincipal, needed: ApiScope): boolean => principal.scopes.some((s) => RANK[s] >= RANK[needed]);

const presentedKey = (req: Request): string | undefined => {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  if (auth?.startsWith('Basic ')) {
    // Browsers (the queue dashboard) can carry only Basic auth: the password is the key, the user name is ignored.
    const decoded = Buffer.from(auth.slice('Basic '.length).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
};

/**
 * Requires a valid key (401 otherwise) and puts its principal on `req`. `basicRealm`: answer 401 with
 * `WWW-Authenticate: Basic` so that a browser asks for credentials (the dashboard).
 */
export const authenticate = (keys: ApiKeys, opts: { basicRealm?: string } = {}): RequestHandler => {
  const challenge = opts.basicRealm ? `Basic realm="${opts.basicRealm}", charset="UTF-8"` : 'Bearer';
  return (req: Request, _res: Response, next: NextFunction) => {
    const key = presentedKey(req);
    if (!key) return next(problemOf(401, 'send an API key: Authorization: Bearer <key> or X-API-Key', { headers: { 'WWW-Authenticate': challenge } }));
    const principal = keys.find(key);
    if (!principal) return next(problemOf(401, 'the API key is not valid', { headers: { 'WWW-Authenticate': challenge } }));
    req.principal = principal;
    next();
  };
};

export const requireScope =
  (scope: ApiScope): RequestHandler =>
  (req, _res, next) => {
    if (!req.principal) return next(problemOf(401, 'authentication required'));
    if (!allows(req.principal, scope)) return next(problemOf(403, `key '${req.principal.name}' lacks the '${scope}' scope`));
    next();
  };

/** The actor of a write: the key's name. Handlers behind `authenticate` only. */
export const actorOf = (req: Request): string => {
  if (!req.principal) throw new Error('actorOf: no principal on the request (route not behind authenticate)');
  return req.principal.name;
};
