import type { BadLineReason, DecodedLine, DecodeHandler, DecodeLimits, TimePrecision } from '../../application/ingest/payload-decoder.js';
import { DEFAULT_DECODE_LIMITS, keyHash, MAX_RAW_LENGTH, MessageRejected, NO_KEY_ID } from '../../application/ingest/payload-decoder.js';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

const TO_MS: Record<TimePrecision, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

/**
 * Telegraf's JSON serializer: one metric `{"name","tags","fields","timestamp"}` or a batch
 * `{"metrics":[...]}`; also newline-delimited metrics, one per line. A metric of the wrong shape is a bad line
 * on its own; a payload that is not JSON at all is split by line so that the parseable lines still count.
 */
export class TelegrafJsonDecoder {
  private readonly line = new JsonLine();

  /**
   * @throws MessageRejected (`too_deep`) before parsing when the text nests deeper than `limits.maxJsonDepth`:
   * JSON.parse copes with any depth, but JSON.stringify (a bad metric's raw text) and every recursive walk
   * would overflow the stack on a ~10 KB payload nested thousands deep.
   */
  decode(
    text: string,
    nowMs: number,
    unit: TimePrecision,
    handler: DecodeHandler,
    replacementMeansBadUtf8 = false,
    limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
  ): void {
    const depth = nestingDepth(text, limits.maxJsonDepth);
    if (depth > limits.maxJsonDepth) throw new MessageRejected('too_deep', `JSON nested deeper than ${limits.maxJsonDepth}`);
    const ctx: Ctx = { nowMs, unit, handler, checkUtf8: replacementMeansBadUtf8, limits };
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      this.byLine(text, ctx);
      return;
    }
    this.document(doc, ctx);
  }

  private byLine(text: string, ctx: Ctx): void {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (line === '') continue;
      let doc: unknown;
      try {
        doc = JSON.parse(line);
      } catch {
        ctx.handler.badLine('bad_json', line.slice(0, MAX_RAW_LENGTH));
        continue;
      }
      this.document(doc, ctx);
    }
  }

  private document(doc: unknown, ctx: Ctx): void {
    if (isPlain(doc) && Array.isArray(doc.metrics)) for (const metric of doc.metrics as unknown[]) this.metric(metric, ctx);
    else this.metric(doc, ctx);
  }

  private metric(metric: unknown, ctx: Ctx): void {
    const reason = shapeProblem(metric) ?? sizeProblem(metric as Metric, ctx.limits);
    if (reason !== null) {
      ctx.handler.badLine(reason, stringify(metric));
      return;
    }
    const m = metric as Metric;
    const ts = toMs(m.timestamp, ctx.nowMs, ctx.unit);
    if (Number.isNaN(ts)) {
      ctx.handler.badLine('bad_timestamp', stringify(metric));
      return;
    }
    if (ctx.checkUtf8 && stringify(metric).includes('\uFFFD')) {
      ctx.handler.badLine('bad_utf8', stringify(metric));
      return;
    }
    this.line.set(m.name, m.fields, m.tags, ts);
    ctx.handler.line(this.line);
  }
}

interface Ctx {
  readonly nowMs: number;
  readonly unit: TimePrecision;
  readonly handler: DecodeHandler;
  readonly checkUtf8: boolean;
  readonly limits: DecodeLimits;
}

type Metric = { name: string; fields: Plain; tags?: Record<string, string>; timestamp?: unknown };

/** Limits and numbers of a well-shaped metric. A number that overflowed to Infinity while parsing is a bad value. */
function sizeProblem(m: Metric, limits: DecodeLimits): BadLineReason | null {
  const keys = Object.keys(m.fields);
  if (keys.length > limits.maxFieldsPerLine) return 'too_many_fields';
  if (m.tags && Object.keys(m.tags).length > limits.maxTagsPerLine) return 'too_many_tags';
  if (m.name.length > limits.maxNameLength) return 'name_too_long';
  for (const key of keys) {
    if (key.length > limits.maxNameLength) return 'name_too_long';
    const value = m.fields[key];
    if (typeof value === 'number' && !Number.isFinite(value)) return 'bad_field_value';
  }
  return null;
}

/**
 * The deepest nesting of objects and arrays in `text` (brackets inside strings do not count), or `max + 1` as
 * soon as it passes `max`. One pass over the characters, no allocation.
 */
export function nestingDepth(text: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > deepest && (deepest = depth) > max) return depth;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

function shapeProblem(metric: unknown): BadLineReason | null {
  if (!isPlain(metric)) return 'bad_metric';
  if (typeof metric.name !== 'string' || metric.name === '') return 'missing_measurement';
  if (!isPlain(metric.fields) || Object.keys(metric.fields).length === 0) return 'missing_fields';
  if (metric.tags !== undefined && metric.tags !== null) {
    if (!isPlain(metric.tags)) return 'bad_tag';
    for (const value of Object.values(metric.tags)) if (typeof value !== 'string') return 'bad_tag';
  }
  return null;
}

/** Numbers in the configured unit, or an RFC 3339 string (Telegraf's `json_timestamp_format`); absent: now. */
function toMs(timestamp: unknown, nowMs: number, unit: TimePrecision): number {
  if (timestamp === undefined || timestamp === null) return nowMs;
  if (typeof timestamp === 'number') {
    // A huge number overflows to Infinity in the multiplication: a bad timestamp, not a point at Infinity.
    const ms = Math.floor(timestamp * TO_MS[unit]);
    return Number.isFinite(ms) ? ms : NaN;
  }
  if (typeof timestamp === 'string') return Date.parse(timestamp);
  return NaN;
}

function stringify(metric: unknown): string {
  return (JSON.stringify(metric) ?? String(metric)).slice(0, MAX_RAW_LENGTH);
}

/** The decoder's reusable view of one JSON metric. */
class JsonLine implements DecodedLine {
  measurement = '';
  readonly measurementId = NO_KEY_ID;
  tsMs = 0;
  fieldCount = 0;
  tagCount = 0;
  private fields: Plain = {};
  private fieldKeys: string[] = [];
  private tags: Record<string, string> = {};
  private tagKeys: string[] = [];

  set(name: string, fields: Plain, tags: Record<string, string> | undefined, tsMs: number): void {
    this.measurement = name;
    this.tsMs = tsMs;
    this.fields = fields;
    this.fieldKeys = Object.keys(fields);
    this.fieldCount = this.fieldKeys.length;
    this.tags = tags ?? {};
    this.tagKeys = Object.keys(this.tags);
    this.tagCount = this.tagKeys.length;
  }

  fieldKey(i: number): string {
    return this.fieldKeys[i] ?? '';
  }

  fieldKeyIs(i: number, key: string): boolean {
    return this.fieldKeys[i] === key;
  }

  fieldKeyHash(i: number): number {
    const key = this.fieldKey(i);
    const n = key.length;
    return keyHash(n, key.charCodeAt(0), n > 1 ? key.charCodeAt(1) : 0, key.charCodeAt(n >> 1), key.charCodeAt(n - 1));
  }

  fieldKeyId(): number {
    return NO_KEY_ID;
  }

  fieldValue(i: number): number {
    const value = this.fields[this.fieldKey(i)];
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    return NaN;
  }

  fieldIsNumeric(i: number): boolean {
    const value = this.fields[this.fieldKey(i)];
    return typeof value === 'number' || typeof value === 'boolean';
  }

  tagKey(i: number): string {
    return this.tagKeys[i] ?? '';
  }

  tagValue(i: number): string {
    return this.tags[this.tagKey(i)] ?? '';
  }
}
