import type { CompiledAllowlist, Tags } from '../../domain/allowlist/compile-allowlist.js';
import { EMPTY_ALLOWLIST } from '../../domain/allowlist/compile-allowlist.js';
import { metricName } from '../../domain/metric.js';
import type { MetricPoint } from '../../domain/metric.js';
import type { FieldKeyTrie } from './field-key-trie.js';
import { SlotCache } from './field-slots.js';
import type { MetricTally, NameCounter } from './metric-tally.js';
import type { BadLineReason, DecodeContext, DecodedLine, DecodeHandler, PayloadDecoder } from './payload-decoder.js';
import { MAX_RAW_LENGTH, MessageRejected, NOT_IN_TRIE } from './payload-decoder.js';
import { lineProblem, NO_POINT_RULES, pointProblem, tagFits, type PointRejectReason, type PointRules } from './point-rules.js';

/** Bounds on one whole message: over either, the message is refused whole (MessageRejected). */
export interface MessageLimits {
  /** `message_too_large`, checked before decoding. */
  readonly maxMessageBytes: number;
  /** `too_many_lines` (good and bad lines, JSON metrics), checked as the lines come. */
  readonly maxLinesPerMessage: number;
}

export const NO_MESSAGE_LIMITS: MessageLimits = { maxMessageBytes: Infinity, maxLinesPerMessage: Infinity };

export interface IngestStageOptions {
  readonly message?: MessageLimits;
  /** Default NO_POINT_RULES; the service passes its configured rules (DEFAULT_POINT_RULES by default). */
  readonly points?: PointRules;
  /**
   * Lines of a measurement that no allowlist entry can pass decoded in full per tally interval (default
   * Infinity: all); past them, its lines are counted and passed over unread (DecodeHandler.skippable) and the
   * tally counts their fields in the proportion the full lines showed. A malformed line among those passed over
   * counts as a line of its measurement, not as bad: nothing of it would have been forwarded either way.
   */
  readonly fullLinesOfDroppedMeasurements?: number;
}

/** Where the ingest stage puts what it decided: points for the batcher, bad lines for logs / dead letters. */
export interface IngestSink {
  accept(point: MetricPoint): void;
  badLine(reason: string, raw: string): void;
}

/**
 * A point as the stage makes it. A class, not an object literal: V8 may decide that everything a literal
 * allocates is long-lived and allocate it in the old generation from then on ("pretenuring"), which for
 * millions of short-lived points a second means a major GC every second.
 */
class Point implements MetricPoint {
  constructor(
    readonly name: string,
    readonly tags: Tags,
    readonly ts: number,
    readonly value: number,
  ) {}
}

const NO_SINK: IngestSink = { accept: () => undefined, badLine: () => undefined };

/**
 * The fused ingest hot path the Kafka loop calls per message: decode → allowlist → tally → sink, in one pass
 * with no intermediate arrays. HOT PATH, written for speed and guarded by `bench/decode.ts`:
 * a field key seen before is recognised by the decoder while it scans it (the FieldKeyTrie this stage hands it)
 * or else in place by a hash of a few of its bytes (see field-slots.ts), tags are
 * materialised only for a line with a field that may pass (or for the tally's first few samples of a name),
 * and a point's name comes precomputed from its tally counter.
 */
export class IngestStage implements DecodeHandler {
  private allowlist: CompiledAllowlist = EMPTY_ALLOWLIST;
  private sink: IngestSink = NO_SINK;
  private readonly slots = new SlotCache();
  private readonly message: MessageLimits;
  private readonly rules: PointRules;
  private readonly fullLines: number;
  private nowMs = 0;
  /** Lines of the current message still allowed before it is refused. */
  private linesLeft = 0;
  /** Whether the tags tagsOf built last break the engine's limits (checked while building them). */
  private tagsTooLarge = false;

  constructor(
    private readonly decoder: PayloadDecoder,
    readonly tally: MetricTally,
    options: IngestStageOptions = {},
  ) {
    this.message = options.message ?? NO_MESSAGE_LIMITS;
    this.rules = options.points ?? NO_POINT_RULES;
    this.fullLines = options.fullLinesOfDroppedMeasurements ?? Infinity;
  }

  /** The decoder reads this once per payload, after revalidation may have replaced it. */
  get fieldKeys(): FieldKeyTrie {
    return this.slots.keys;
  }

  /** Likewise for measurement names. */
  get measurementNames(): FieldKeyTrie {
    return this.slots.names;
  }

  /** Measurements whose lines the decoder may pass over (never passing, and sampled enough this interval). */
  get skippable(): Uint8Array | null {
    return this.fullLines === Infinity ? null : this.slots.skippable;
  }

  skipped(measurementId: number): void {
    if (--this.linesLeft < 0) this.tooManyLines();
    this.tally.lines++;
    this.slots.skipped(measurementId);
  }

  /**
   * `allowlist` is read once per payload, so a swap takes effect at the next message, never mid-message.
   * @throws MessageRejected when the message breaks a MessageLimits bound (or a decoder refuses it whole); what
   * it handed to `sink` before that must then be discarded by the caller (IngestPipeline does).
   */
  decodeAndFilter(payload: Buffer, ctx: DecodeContext, allowlist: CompiledAllowlist, sink: IngestSink): void {
    if (payload.length > this.message.maxMessageBytes) {
      throw new MessageRejected('message_too_large', `${payload.length} bytes > ${this.message.maxMessageBytes}`);
    }
    this.linesLeft = this.message.maxLinesPerMessage;
    this.nowMs = ctx.nowMs;
    this.allowlist = allowlist;
    this.sink = sink;
    this.slots.revalidate(allowlist, this.tally);
    try {
      this.decoder.decode(payload, ctx, this);
    } finally {
      this.sink = NO_SINK;
      this.allowlist = EMPTY_ALLOWLIST;
    }
  }

  line(line: DecodedLine): void {
    if (--this.linesLeft < 0) this.tooManyLines();
    const tally = this.tally;
    tally.lines++;
    const slots = this.slots.measurementOf(line.measurement, line.measurementId, this.allowlist, tally);
    let tags: Tags | null = null;
    // The problem every point of the line shares (timestamp, tags): undefined until the first passing field.
    let shared: PointRejectReason | null | undefined;
    for (let i = 0; i < line.fieldCount; i++) {
      const id = line.fieldKeyId(i);
      const counter =
        id >= 0 ? slots.byId(id, line, i, tally) : id === NOT_IN_TRIE ? slots.learn(line, i, tally, this.slots.keys) : slots.find(line, i, tally);
      // A field neither passed nor non-numeric is not allowlisted: derived, not counted (see NameCounter).
      const seen = ++counter.seen;
      if (seen <= tally.tagKeySamples && counter.name !== null) sampleTagKeys(counter, line);
      if (!line.fieldIsNumeric(i)) {
        counter.nonNumeric++;
        continue;
      }
      const rule = counter.rule;
      if (rule === null) continue;
      tags ??= this.tagsOf(line);
      if (!rule.always && !rule.matches(tags)) continue;
      // A name beyond the tally's budget has no name of its own in the tally (see MetricTally.other).
      const name = counter.name ?? metricName(line.measurement, line.fieldKey(i));
      const value = line.fieldValue(i);
      if (shared === undefined) {
        shared = lineProblem(line.tsMs, this.tagsTooLarge, this.nowMs, this.rules);
        if (shared !== null) this.sink.badLine(shared, describe(line.measurement, tags, line.tsMs, ''));
      }
      const problem = shared ?? pointProblem(name, value, this.rules);
      if (problem !== null) {
        counter.invalid++;
        tally.invalidPoint(problem);
        if (shared === null) this.sink.badLine(problem, describe(name, tags, line.tsMs, ` ${value}`));
        continue;
      }
      counter.passed++;
      this.sink.accept(new Point(name, tags, line.tsMs, value));
    }
    // After the fields: a field counted in the tally's shared `other` has just made the measurement unskippable.
    this.slots.sampled(slots, line.measurementId, this.fullLines);
  }

  badLine(reason: BadLineReason, raw: string): void {
    if (--this.linesLeft < 0) this.tooManyLines();
    this.tally.badLine(reason);
    this.sink.badLine(reason, raw);
  }

  /** One object per line, shared by the line's points (MetricPoint.tags is read-only). */
  private tagsOf(line: DecodedLine): Tags {
    const rules = this.rules;
    let tooLarge = line.tagCount > rules.maxTagsPerPoint;
    const tags: Record<string, string> = {};
    for (let t = 0; t < line.tagCount; t++) {
      const key = line.tagKey(t);
      const value = line.tagValue(t);
      if (!tagFits(key, value, rules)) tooLarge = true;
      // Assigning `__proto__` would set the prototype and lose the tag.
      if (key === '__proto__') Object.defineProperty(tags, key, { value, enumerable: true, writable: true });
      else tags[key] = value;
    }
    this.tagsTooLarge = tooLarge;
    return tags;
  }

  private tooManyLines(): never {
    throw new MessageRejected('too_many_lines', `more than ${this.message.maxLinesPerMessage} lines`);
  }
}

/** A refused point (or line) for the quarantine: name, tags, timestamp, value. */
function describe(name: string, tags: Tags, tsMs: number, value: string): string {
  return `${name} ${JSON.stringify(tags)} ${tsMs}${value}`.slice(0, MAX_RAW_LENGTH);
}

function sampleTagKeys(counter: NameCounter, line: DecodedLine): void {
  for (let t = 0; t < line.tagCount; t++) counter.noteTagKey(line.tagKey(t));
}

