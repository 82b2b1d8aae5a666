import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { problemOf } from './problem.js';

/**
 * Per-key request limit on the public API, counted in Redis so every replica spends from one allowance (a fixed
 * window of `durationSeconds`, rate-limiter-flexible's atomic INCR + PEXPIRE). Over it: 429 with Retry-After.
 * A Redis failure lets the request through (logged): the limiter protects the engine budget and Redis, which
 * the request itself then needs; refusing every call because the counter is unreachable helps nobody.
 */
export const rateLimitPerKey = (redis: Redis, opts: { keyPrefix: string; points: number; durationSeconds: number; log: Logger }): RequestHandler => {
  const limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${opts.keyPrefix}:api-rate`, points: opts.points, duration: opts.durationSeconds });
  return (req, res, next) => {
    const key = req.principal?.name ?? 'anonymous';
    limiter.consume(key).then(
      (r) => {
        res.setHeader('RateLimit-Remaining', String(r.remainingPoints));
        next();
      },
      (rej: unknown) => {
        if (rej instanceof RateLimiterRes) {
          return next(problemOf(429, `key '${key}' is over ${opts.points} requests per ${opts.durationSeconds} s`, { retryAfterSeconds: rej.msBeforeNext / 1000 }));
        }
        opts.log.warn({ err: rej }, 'rate limiter unavailable; request let through');
        next();
      },
    );
  };
};
