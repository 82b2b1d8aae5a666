import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type AuthMode = 'bearer' | 'cookie';
export const SESSION_COOKIE = 'SZH_SESSION';

export type AuthVerdict = { kind: 'ok' } | { kind: 'missing' } | { kind: 'invalid' } | { kind: 'expired' };

export interface Session { token: string; sessionId: string; expiresIn: number }

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/**
 * Issued credentials and their expiry. Tokens look like HS256 JWTs so clients that peek at `exp` see a real one,
 * but validity is decided by this table: "expire all tokens now" is then a clear() rather than a clock trick.
 * In cookie mode the cookie carries a separate opaque session id, so a client configured for the wrong mode fails.
 */
export class TokenStore {
  private readonly secret = randomBytes(32);
  private readonly expiries = new Map<string, number>();

  constructor(private readonly mode: AuthMode, private readonly ttlSeconds: number) {}

  issue(username: string, nowMs: number): Session {
    const iat = Math.floor(nowMs / 1000);
    const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = b64url(JSON.stringify({ sub: username, iat, exp: iat + this.ttlSeconds, jti: randomBytes(8).toString('hex') }));
    const signature = createHmac('sha256', this.secret).update(`${header}.${payload}`).digest('base64url');
    const token = `${header}.${payload}.${signature}`;
    const sessionId = randomBytes(18).toString('hex');
    const expiresAt = nowMs + this.ttlSeconds * 1000;
    this.prune(nowMs);
    this.expiries.set(this.mode === 'bearer' ? token : sessionId, expiresAt);
    return { token, sessionId, expiresIn: this.ttlSeconds };
  }

  authenticate(req: IncomingMessage, nowMs: number): AuthVerdict {
    const credential = this.mode === 'bearer' ? bearerOf(req) : cookieOf(req, SESSION_COOKIE);
    if (credential === undefined) return { kind: 'missing' };
    const expiresAt = this.expiries.get(credential);
    if (expiresAt === undefined) return { kind: 'invalid' };
    return nowMs >= expiresAt ? { kind: 'expired' } : { kind: 'ok' };
  }

  /** One-shot fault: every credential issued so far stops working; the next login works again. */
  expireAll(): void {
    this.expiries.clear();
  }

  /** Keep expired entries long enough to answer "expired" (not "invalid"), but not forever. */
  private prune(nowMs: number): void {
    if (this.expiries.size < 10_000) return;
    for (const [credential, expiresAt] of this.expiries) if (expiresAt + 3600_000 < nowMs) this.expiries.delete(credential);
  }
}

const bearerOf = (req: IncomingMessage): string | undefined => {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
};

const cookieOf = (req: IncomingMessage, name: string): string | undefined => {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
};
