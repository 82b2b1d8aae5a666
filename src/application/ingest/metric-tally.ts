import type { FieldRule } from '../../domain/allowlist/compile-allowlist.js';
import { detachString } from '../../domain/allowlist/detach-string.js';
import { metricName } from '../../domain/metric.js';
import type { BadLineReason, MessageRejectReason } from './payload-decoder.js';
import type { PointRejectReason } from './point-rules.js';

export interface TallyCounts {
  readonly seen: number;
  readonly passed: number;
  readonly dropped: { readonly not_allowlisted: number; readonly non_numeric_field: number; readonly invalid_point: number };
}

export interface NameTally extends TallyCounts {
  /** `measurement.field`, as MetricPoint.name. */
  readonly name: string;
  readonly measurement: string;
  readonly field: string;
  /** Tag keys seen on the first few occurrences of the name in the interval (a sample, not a census). */
  readonly tagKeys: readonly string[];
}

/** What flowed since the previous drain. */
export interface TallySnapshot {
  readonly names: readonly NameTally[];
  /** Names beyond `maxNames` in this interval, counted together. */
  readonly other: TallyCounts;
  /** Well-formed lines (JSON: metrics) decoded. */
  readonly lines: number;
  /** Bad lines by reason; a refused message counts as one, under its MessageRejectReason. */
  readonly badLines: Readonly<Partial<Record<BadLineReason | MessageRejectReason, number>>>;
  /** Points that passed the allowlist but broke a PointRules rule, by reason. */
  readonly invalidPoints: Readonly<Partial<Record<PointRejectReason, number>>>;
}

export interface MetricTallyOptions {
  /** Distinct names kept per drain interval; later ones count as `other`. Default 10,000. */
  readonly maxNames?: number;
  /** Occurrences of a name per interval whose tag keys are recorded. Default 4. */
  readonly tagKeySamples?: number;
  /** Tag keys kept per name. Default 64. */
  readonly maxTagKeysPerName?: number;
}

/**
 * Mutable counters of one name; the ingest stage increments the fields directly (no call per count). The
 * counter also carries the name's allowlist rule, so that the stage finds both with one lookup: whoever
 * resolves the name under an allowlist (MetricTally.field) sets it, and the ingest stage resolves every name
 * again after a swap before it counts it.
 *
 * Every field seen is exactly one of passed, non-numeric or not allowlisted, so the last is not counted but
 * derived (by `counts`, at the drain); and the tag keys are sampled on the first occurrences (`seen` small). The ingest stage so touches
 * only `seen` and `rule` of most counters, declared first, next to the object's header.
 */
export class NameCounter {
  seen = 0;
  /** null: the field never passes. */
  rule: FieldRule | null = null;
  passed = 0;
  nonNumeric = 0;
  /** Passed the allowlist, refused by the point rules (see point-rules.ts). */
  invalid = 0;
  /**
   * null for a counter that names beyond the tally's budget share (see MetricTally.other): its measurement and
   * field are empty, and it samples no tag keys.
   */
  readonly name: string | null;
  readonly measurement: string;
  readonly field: string;
  private readonly maxTagKeys: number;
  /** Made at the first sample: counters of names beyond the budget never sample, and there may be many. */
  private sampledKeys: Set<string> | null = null;

  constructor(name: string | null, measurement: string, field: string, maxTagKeys: number) {
    this.name = name;
    this.measurement = measurement;
    this.field = field;
    this.maxTagKeys = maxTagKeys;
  }

  noteTagKey(key: string): void {
    const keys = (this.sampledKeys ??= new Set<string>());
    if (keys.size < this.maxTagKeys && !keys.has(key)) keys.add(detachString(key));
  }

  /** The tag keys sampled so far. */
  get tagKeys(): readonly string[] {
    return this.sampledKeys === null ? [] : [...this.sampledKeys];
  }
}

/** The counters of one measurement, so that a line looks its measurement up once, not once per field. */
export class MeasurementCounters {
  readonly fields = new Map<string, NameCounter>();
  /**
   * Of a measurement no allowlist entry can pass: its lines decoded in full this interval (`sampled`), and those
   * passed over unread after them (`skipped`, see IngestStageOptions.fullLinesOfDroppedMeasurements). The drain
   * counts each field's `seen` and non-numeric drops over both, in the proportion the sampled lines showed.
   */
  sampled = 0;
  skipped = 0;
  constructor(readonly measurement: string) {}
}

/**
 * In-memory tally of what flows through ingest, per metric name: seen, passed, dropped by reason, tag keys;
 * plus bad lines by reason. Increments are plain field updates on the hot path; `drain()` hands the interval's
 * counts to whoever flushes them (the Redis metric catalog) and starts a new interval. Memory is bounded by
 * `maxNames` per interval.
 */
export class MetricTally {
  readonly tagKeySamples: number;
  private readonly maxNames: number;
  private readonly maxTagKeys: number;
  private measurements = new Map<string, MeasurementCounters>();
  private names = 0;
  /**
   * The counters of names beyond the budget, which count together as `other`: one per rule, since a counter
   * carries its rule (at most one per allowlist field entry and swap in an interval), shared by all the names
   * that pass under it; `field` empty. Shared counters stay hot in the cache however many names use them.
   */
  private shared = new Map<FieldRule | null, NameCounter>();
  /** Returned for a new measurement once the name budget is spent: every field of it counts as `other`. */
  private readonly overflow = new MeasurementCounters('');
  private badLines = new Map<BadLineReason | MessageRejectReason, number>();
  private invalidPoints = new Map<PointRejectReason, number>();
  lines = 0;
  /** Bumped by every drain: counters handed out before it are stale (callers that cache them check this). */
  epoch = 0;

  constructor(options: MetricTallyOptions = {}) {
    this.maxNames = options.maxNames ?? 10_000;
    this.tagKeySamples = options.tagKeySamples ?? 4;
    this.maxTagKeys = options.maxTagKeysPerName ?? 64;
  }

  /** Whether `counters` are the shared ones of measurements beyond the name budget (see `measurement`). */
  isOverflow(counters: MeasurementCounters): boolean {
    return counters === this.overflow;
  }

  measurement(measurement: string): MeasurementCounters {
    const known = this.measurements.get(measurement);
    if (known !== undefined) return known;
    if (this.names >= this.maxNames) return this.overflow;
    const fresh = new MeasurementCounters(detachString(measurement));
    this.measurements.set(fresh.measurement, fresh);
    return fresh;
  }

  /** The counter of `field` of the measurement, which passes under `rule` (null: never) from now on. */
  field(counters: MeasurementCounters, field: string, rule: FieldRule | null = null): NameCounter {
    let counter = counters.fields.get(field);
    if (counter === undefined) {
      if (counters === this.overflow || this.names >= this.maxNames) return this.other(rule);
      const key = detachString(field);
      counter = new NameCounter(detachString(metricName(counters.measurement, key)), counters.measurement, key, this.maxTagKeys);
      counters.fields.set(key, counter);
      this.names++;
    }
    counter.rule = rule;
    return counter;
  }

  badLine(reason: BadLineReason | MessageRejectReason): void {
    this.badLines.set(reason, (this.badLines.get(reason) ?? 0) + 1);
  }

  invalidPoint(reason: PointRejectReason): void {
    this.invalidPoints.set(reason, (this.invalidPoints.get(reason) ?? 0) + 1);
  }

  drain(): TallySnapshot {
    const names: NameTally[] = [];
    for (const counters of this.measurements.values()) {
      const scale = counters.skipped > 0 && counters.sampled > 0 ? (counters.sampled + counters.skipped) / counters.sampled : 1;
      for (const counter of counters.fields.values()) names.push(toTally(counter, scale));
    }
    const other = new NameCounter(null, '', '', 0);
    for (const counter of this.shared.values()) {
      other.seen += counter.seen;
      other.passed += counter.passed;
      other.nonNumeric += counter.nonNumeric;
      other.invalid += counter.invalid;
    }
    const snapshot: TallySnapshot = {
      names,
      other: counts(other),
      lines: this.lines,
      badLines: Object.fromEntries(this.badLines),
      invalidPoints: Object.fromEntries(this.invalidPoints),
    };
    this.measurements = new Map();
    this.names = 0;
    this.shared = new Map();
    this.badLines = new Map();
    this.invalidPoints = new Map();
    this.lines = 0;
    this.epoch++;
    return snapshot;
  }

  /** The counter of `other` that names beyond the budget passing under `rule` share. */
  private other(rule: FieldRule | null): NameCounter {
    let other = this.shared.get(rule);
    if (other === undefined) {
      other = new NameCounter(null, '', '', 0);
      other.rule = rule;
      this.shared.set(rule, other);
    }
    return other;
  }
}

/** `scale` > 1: the name's measurement had lines passed over (see MeasurementCounters.skipped). */
function counts(c: NameCounter, scale = 1): TallyCounts {
  const seen = Math.round(c.seen * scale);
  const nonNumeric = Math.round(c.nonNumeric * scale);
  return {
    seen,
    passed: c.passed,
    dropped: { not_allowlisted: seen - c.passed - nonNumeric - c.invalid, non_numeric_field: nonNumeric, invalid_point: c.invalid },
  };
}

function toTally(c: NameCounter, scale: number): NameTally {
  return { name: c.name ?? '', measurement: c.measurement, field: c.field, ...counts(c, scale), tagKeys: c.tagKeys };
}
