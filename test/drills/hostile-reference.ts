/**
 * The hostile-input drill's reference: a deliberately plain, slow decoder of the message forms the drill's
 * generator writes, written apart from src/ (no code shared), saying per message what the bridge must do:
 * refuse it whole, or deliver exactly these points and count these bad lines and invalid points.
 * It knows only the grammar subset the generator uses (no escapes, no quoted spaces or commas); the generator
 * keeps its bad forms unambiguous (bad under any reading of InfluxDB line protocol or Telegraf JSON).
 */
import { isUtf8 } from 'node:buffer';

export const LIMITS = { maxMessageBytes: 16_384, maxLinesPerMessage: 50, maxFieldsPerLine: 20, maxTagsPerLine: 16, maxNameLength: 64, maxJsonDepth: 32 };
export const ALLOWED = ['m0', 'm1', 'm2', 'm3', 'm4'];
const MIN_TS = Date.UTC(2000, 0, 1);
const AHEAD_MS = 3_600_000;
const TAG_VALUE_MAX = 256;

export interface Verdict {
  /** The reason a message is refused whole, or null. */
  readonly refused: string | null;
  /** Simulator keys (`metric|k=v,…|ts`) of the points to deliver. */
  readonly points: string[];
  readonly badLines: number;
  /** Points that passed the allowlist and broke the point rules. */
  readonly invalidPoints: number;
  /** Quarantine entries for point rules (one per line whose shared timestamp/tags fail). */
  readonly invalidLines: number;
}

type Fields = Array<[string, number | null]>; // null: a string field (never forwarded)
interface Parsed { name: string; tags: Record<string, string>; fields: Fields; ts: number }

export function reference(buf: Buffer, nowMs: number): Verdict {
  const v = { refused: null as string | null, points: [] as string[], badLines: 0, invalidPoints: 0, invalidLines: 0 };
  if (buf.length > LIMITS.maxMessageBytes) return { ...v, refused: 'message_too_large' };
  const text = buf.toString('utf8');
  const parsed: Parsed[] = [];
  let lines = 0;
  if (text.trimStart().startsWith('{')) {
    if (depthOf(text) > LIMITS.maxJsonDepth) return { ...v, refused: 'too_deep' };
    let docs: unknown[];
    try {
      docs = [JSON.parse(text)];
    } catch {
      docs = [];
      for (const l of text.split('\n').filter((x) => x.trim() !== '')) {
        try {
          docs.push(JSON.parse(l));
        } catch {
          lines++;
          v.badLines++;
        }
      }
    }
    const broken = !isUtf8(buf);
    for (const doc of docs) {
      const metrics = isObject(doc) && Array.isArray(doc.metrics) ? (doc.metrics as unknown[]) : [doc];
      for (const m of metrics) {
        lines++;
        const p = jsonMetric(m, nowMs, broken);
        if (p) parsed.push(p);
        else v.badLines++;
      }
    }
  } else {
    for (const raw of split(buf)) {
      const s = raw.toString('latin1');
      if (s.trim() === '' || s.trimStart().startsWith('#')) continue;
      lines++;
      const p = isUtf8(raw) ? influxLine(raw.toString('utf8')) : null;
      if (p) parsed.push(p);
      else v.badLines++;
    }
  }
  if (lines > LIMITS.maxLinesPerMessage) return { ...v, points: [], badLines: 0, refused: 'too_many_lines' };
  for (const p of parsed) {
    if (!ALLOWED.includes(p.name)) continue;
    const numeric = p.fields.filter(([, value]) => value !== null);
    if (numeric.length === 0) continue;
    const tooBig = Object.values(p.tags).some((t) => t.length > TAG_VALUE_MAX);
    if (p.ts < MIN_TS || p.ts > nowMs + AHEAD_MS || tooBig) {
      v.invalidLines++;
      v.invalidPoints += numeric.length;
      continue;
    }
    const tagText = Object.keys(p.tags).sort().map((k) => `${k}=${p.tags[k]}`).join(',');
    for (const [field] of numeric) v.points.push(`${p.name}.${field}|${tagText}|${p.ts}`);
  }
  return v;
}

function split(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === 0x0a) {
      out.push(buf.subarray(from, i));
      from = i + 1;
    }
  }
  return out;
}

const NAME = /^[A-Za-z0-9_]+$/;
const TAG_VALUE = /^[A-Za-z0-9_.-]+$/;

function influxLine(line: string): Parsed | null {
  const parts = line.split(' ');
  if (parts.length < 2 || parts.length > 3) return null;
  const [head = '', body = '', stamp] = parts;
  const [name = '', ...tagParts] = head.split(',');
  if (!NAME.test(name) || name.length > LIMITS.maxNameLength) return null;
  const tags: Record<string, string> = {};
  for (const t of tagParts) {
    const [k, val, extra] = t.split('=');
    if (k === undefined || val === undefined || extra !== undefined || !NAME.test(k) || !TAG_VALUE.test(val) || k in tags) return null;
    tags[k] = val;
  }
  if (tagParts.length > LIMITS.maxTagsPerLine) return null;
  const fields: Fields = [];
  for (const f of body.split(',')) {
    const at = f.indexOf('=');
    const key = f.slice(0, at);
    if (at <= 0 || !NAME.test(key) || key.length > LIMITS.maxNameLength) return null;
    const value = fieldValue(f.slice(at + 1));
    if (value === undefined) return null;
    fields.push([key, value]);
  }
  if (fields.length > LIMITS.maxFieldsPerLine) return null;
  let ts = Number.NaN;
  if (stamp === undefined) return null; // the generator always stamps its lines
  if (/^\d{1,19}$/.test(stamp)) ts = Number(BigInt(stamp) / 1_000_000n);
  if (Number.isNaN(ts)) return null;
  return { name, tags, fields, ts };
}

/** A number, null for a string field, undefined when not a valid value. */
function fieldValue(s: string): number | null | undefined {
  if (/^"[^"\\]*"$/.test(s)) return null;
  if (/^(t|T|true|True|TRUE)$/.test(s)) return 1;
  if (/^(f|F|false|False|FALSE)$/.test(s)) return 0;
  if (/^-?\d+i$/.test(s)) {
    const n = BigInt(s.slice(0, -1));
    return n >= -(2n ** 63n) && n < 2n ** 63n ? Number(n) : undefined;
  }
  if (/^\d+u$/.test(s)) {
    const n = BigInt(s.slice(0, -1));
    return n < 2n ** 64n ? Number(n) : undefined;
  }
  if (/^-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function jsonMetric(m: unknown, nowMs: number, brokenUtf8: boolean): Parsed | null {
  if (!isObject(m) || typeof m.name !== 'string' || m.name === '' || !isObject(m.fields)) return null;
  const keys = Object.keys(m.fields);
  if (keys.length === 0 || keys.length > LIMITS.maxFieldsPerLine) return null;
  const tags = m.tags ?? {};
  if (!isObject(tags) || Object.values(tags).some((t) => typeof t !== 'string')) return null;
  if (Object.keys(tags).length > LIMITS.maxTagsPerLine) return null;
  if (m.name.length > LIMITS.maxNameLength || keys.some((k) => k.length > LIMITS.maxNameLength)) return null;
  const fields: Fields = [];
  for (const k of keys) {
    const value = m.fields[k];
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return null;
      fields.push([k, value]);
    } else if (typeof value === 'boolean') fields.push([k, value ? 1 : 0]);
    else fields.push([k, null]);
  }
  let ts = nowMs;
  if (typeof m.timestamp === 'number') ts = Math.floor(m.timestamp * 1000);
  else if (m.timestamp !== undefined) return null;
  if (!Number.isFinite(ts)) return null;
  if (brokenUtf8 && JSON.stringify(m).includes('\uFFFD')) return null;
  return { name: m.name, tags: tags as Record<string, string>, fields, ts };
}

function depthOf(text: string): number {
  let depth = 0;
  let max = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}
