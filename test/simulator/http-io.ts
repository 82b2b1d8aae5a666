import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** The engine's limit on one request body, applied after decompression (the adapter cannot rely on gzip). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Beyond this the simulator stops listening and drops the connection, as a gateway would. */
const MAX_WIRE_BYTES = 64 * 1024 * 1024;

export type BodyResult =
  | { kind: 'ok'; text: string }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'bad-encoding'; message: string }
  | { kind: 'aborted' };

/** Reads the whole body; `Content-Encoding: gzip` is inflated with a cap so a gzip bomb cannot exhaust memory. */
export const readBody = async (req: IncomingMessage): Promise<BodyResult> => {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_WIRE_BYTES) {
        req.socket.destroy();
        return { kind: 'aborted' };
      }
      chunks.push(chunk);
    }
  } catch {
    return { kind: 'aborted' };
  }
  let raw = Buffer.concat(chunks);
  const encoding = (req.headers['content-encoding'] ?? '').toLowerCase().trim();
  if (encoding === 'gzip') {
    try {
      raw = await gunzipAsync(raw, { maxOutputLength: MAX_BODY_BYTES + 1 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { kind: 'too-large', bytes: MAX_BODY_BYTES + 1 };
      return { kind: 'bad-encoding', message: 'body is not valid gzip' };
    }
  } else if (encoding !== '' && encoding !== 'identity') {
    return { kind: 'bad-encoding', message: `unsupported Content-Encoding: ${encoding}` };
  }
  if (raw.length > MAX_BODY_BYTES) return { kind: 'too-large', bytes: raw.length };
  return { kind: 'ok', text: raw.toString('utf8') };
};

export const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void => {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
};

/** `{code,msg,data}` — the engine reports most errors this way under HTTP 200, which clients must not trust. */
export const envelope = (res: ServerResponse, code: number, msg: string, data: unknown = null, httpStatus = 200, headers: Record<string, string | string[]> = {}): void =>
  sendJson(res, httpStatus, { code, msg, data }, headers);

export const ok = (res: ServerResponse, data: unknown): void => envelope(res, 0, 'success', data);

export type JsonResult = { kind: 'ok'; value: unknown } | { kind: 'error'; message: string };

export const parseJson = (text: string): JsonResult => {
  if (text.trim() === '') return { kind: 'ok', value: {} };
  try {
    return { kind: 'ok', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'error', message: 'body: not valid JSON' };
  }
};

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
