/** Small HTTP helpers for the simulator's own tests: real requests, no client library in between. */
import { gzipSync } from 'node:zlib';

export interface Envelope<T = unknown> { code: number; msg: string; data: T }

export interface CallResult<T = unknown> { status: number; headers: Headers; text: string; body: Envelope<T> }

export interface CallOptions {
  token?: string;
  cookie?: string;
  gzip?: boolean;
  headers?: Record<string, string>;
}

export const call = async <T = unknown>(base: string, method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<CallResult<T>> => {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`;
  if (opts.cookie !== undefined) headers.Cookie = opts.cookie;
  let payload: string | Buffer | undefined;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    if (opts.gzip === true) {
      payload = gzipSync(payload);
      headers['Content-Encoding'] = 'gzip';
    }
  }
  const res = await fetch(`${base}${path}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await res.text();
  let parsed: Envelope<T>;
  try {
    parsed = JSON.parse(text) as Envelope<T>;
  } catch {
    parsed = { code: -1, msg: text, data: undefined as T };
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
};

export const login = async (base: string, username = 'admin', password = 'admin123'): Promise<string> => {
  const res = await call<{ token: string }>(base, 'POST', '/api/auth/login', { username, password });
  if (res.body.code !== 0) throw new Error(`login failed: ${res.text}`);
  return res.body.data.token;
};

export const point = (metric: string, tags: Record<string, string>, ts: number, value: number) => ({ metric, tags, ts, value });

/** Evenly spaced points ending at `endMs`: `values[i]` at endMs - (n - 1 - i) * stepMs. */
export const pointsEnding = (metric: string, tags: Record<string, string>, endMs: number, stepMs: number, values: readonly number[]) =>
  values.map((v, i) => point(metric, tags, endMs - (values.length - 1 - i) * stepMs, v));

export const sim = async <T = unknown>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> => {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  return { status: res.status, json: (await res.json()) as T };
};
