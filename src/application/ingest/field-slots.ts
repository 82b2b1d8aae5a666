import type { CompiledAllowlist, MeasurementPlan } from '../../domain/allowlist/compile-allowlist.js';
import { detachString } from '../../domain/allowlist/detach-string.js';
import { FieldKeyTrie, MAX_KEYS } from './field-key-trie.js';
import type { MeasurementCounters, MetricTally, NameCounter } from './metric-tally.js';
import type { DecodedLine } from './payload-decoder.js';
import { NOT_IN_TRIE } from './payload-decoder.js';

/**
 * What the ingest stage knows about one field key of one measurement under the current allowlist and tally
 * interval: the name's counter, which carries the name's rule (see NameCounter).
 */
export type FieldSlot = NameCounter;

const MAX_KEYS_PER_MEASUREMENT = 1_024;
const MAX_MEASUREMENTS = 20_000;
/** Slots remembered per interval over all measurements: memory stays bounded when a producer invents keys. */
const MAX_SLOTS = 100_000;

/** Shared by the measurements of one interval; past zero, new keys are resolved every time instead of remembered. */
interface Budget {
  slots: number;
}

/** Key ids past this are not indexed per measurement (their fields take the hash path). */
const MAX_INDEXED_ID = 4_096;

/**
 * The field slots of one measurement. Telegraf writes fields in Go map order, which changes from line to line,
 * so position is no guide. A key the decoder recognised while scanning (DecodedLine.fieldKeyId, see
 * field-key-trie.ts) finds its slot by id, one array read (byId); any other by a hash of five characters of
 * the key (DecodedLine.fieldKeyHash) and one in-place comparison, without cutting the key out of the payload.
 */
export class MeasurementSlots {
  /** Slots by FieldKeyTrie id. */
  private readonly ids: (FieldSlot | undefined)[] = [];
  private hashes = new Int32Array(16);
  private table: (FieldSlot | undefined)[] = new Array<FieldSlot | undefined>(16);
  private size = 0;
  private readonly byKey = new Map<string, FieldSlot>();
  /**
   * Whether its lines may be passed over unread once sampled: no allowlist entry can pass any field of it, and
   * every field of it so far has a counter of its own (a field counted in the tally's shared `other` could not
   * be counted for the lines passed over).
   */
  private skippable: boolean;

  constructor(
    private readonly counters: MeasurementCounters,
    private readonly plan: MeasurementPlan | null,
    private readonly budget: Budget,
    ownCounters: boolean,
  ) {
    this.skippable = plan === null && ownCounters;
  }

  /**
   * A line of this measurement was decoded in full: whether enough of its lines have now been, this interval,
   * that the next ones may be passed over (always false for a measurement whose fields may pass).
   */
  sampledEnough(fullLines: number): boolean {
    return this.skippable && ++this.counters.sampled >= fullLines;
  }

  /** A line passed over unread (see sampledEnough). */
  skippedLine(): void {
    this.counters.skipped++;
  }

  /** Field i, whose key has the trie id `id`. */
  byId(id: number, line: DecodedLine, i: number, tally: MetricTally): FieldSlot {
    const slot = this.ids[id];
    return slot !== undefined ? slot : this.index(id, this.find(line, i, tally));
  }

  /** Field i, whose key the decoder looked for in `keys` and did not find: found by hash, then added to `keys`. */
  learn(line: DecodedLine, i: number, tally: MetricTally, keys: FieldKeyTrie): FieldSlot {
    const slot = this.find(line, i, tally);
    // A counter shared by names beyond the tally's budget has no field of its own: the key comes from the line.
    const id = keys.insert(slot.name !== null ? slot.field : line.fieldKey(i));
    return id < 0 ? slot : this.index(id, slot);
  }

  find(line: DecodedLine, i: number, tally: MetricTally): FieldSlot {
    const hash = line.fieldKeyHash(i);
    const mask = this.hashes.length - 1;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const slot = this.table[at];
      if (slot === undefined) break;
      if (this.hashes[at] === hash && line.fieldKeyIs(i, slot.field)) return slot;
    }
    const slot = this.slot(line.fieldKey(i), tally);
    // A counter shared by names beyond the tally's budget (name null) has no key to compare: not remembered by key.
    if (slot.name !== null && this.size < MAX_KEYS_PER_MEASUREMENT && this.budget.slots > 0) {
      this.budget.slots--;
      this.insert(hash, slot);
    }
    return slot;
  }

  /** By key string: the way in for a new key, and for a key whose hash differs between decoders (escapes). */
  private slot(key: string, tally: MetricTally): FieldSlot {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const slot = tally.field(this.counters, key, this.plan === null ? null : this.plan.field(key));
    if (slot.name === null) this.skippable = false;
    if (slot.name !== null && this.byKey.size < MAX_KEYS_PER_MEASUREMENT && this.budget.slots > 0) this.byKey.set(slot.field, slot);
    return slot;
  }

  /** Remembers `slot` under `id` when the budget allows (a grown array costs budget per entry). */
  private index(id: number, slot: FieldSlot): FieldSlot {
    const ids = this.ids;
    const grow = id + 1 - ids.length;
    if (id >= MAX_INDEXED_ID || (grow > 0 && this.budget.slots < grow)) return slot;
    if (grow > 0) {
      this.budget.slots -= grow;
      while (ids.length <= id) ids.push(undefined);
    }
    ids[id] = slot;
    return slot;
  }

  private insert(hash: number, slot: FieldSlot): void {
    if ((this.size + 1) * 2 > this.hashes.length) this.grow();
    const mask = this.hashes.length - 1;
    let at = hash & mask;
    while (this.table[at] !== undefined) at = (at + 1) & mask;
    this.hashes[at] = hash;
    this.table[at] = slot;
    this.size++;
  }

  private grow(): void {
    const { hashes, table } = this;
    this.hashes = new Int32Array(hashes.length * 2);
    this.table = new Array<FieldSlot | undefined>(hashes.length * 2);
    this.size = 0;
    table.forEach((slot, at) => {
      if (slot !== undefined) this.insert(hashes[at] ?? 0, slot);
    });
  }
}

/**
 * Per-measurement slots, valid for one allowlist and one tally interval; bounded in size. The field key trie
 * outlives both (key ids say nothing about either) until it is full, and is then replaced at the next change.
 */
export class SlotCache {
  keys = new FieldKeyTrie();
  /** Measurement names, recognised by the decoder as field keys are; replaced when full, as `keys` is. */
  names = new FieldKeyTrie();
  private readonly measurements = new Map<string, MeasurementSlots>();
  /** MeasurementSlots by `names` id, for this allowlist and tally interval (cleared with `measurements`). */
  private byNameId = noSlots();
  /**
   * DecodeHandler.skippable: 1 at the `names` id of a measurement whose lines the decoder may pass over (see
   * MeasurementSlots.sampledEnough); cleared with `byNameId`, through which a passed-over line is counted.
   */
  readonly skippable = new Uint8Array(MAX_KEYS);
  private allowlist: CompiledAllowlist | null = null;
  private epoch = -1;
  private budget: Budget = { slots: MAX_SLOTS };
  private lastMeasurement: string | null = null;
  private lastSlots: MeasurementSlots | null = null;

  /** Forgets everything when the allowlist was swapped or the tally drained (its counters were replaced). */
  revalidate(allowlist: CompiledAllowlist, tally: MetricTally): void {
    if (allowlist === this.allowlist && tally.epoch === this.epoch) return;
    this.measurements.clear();
    this.byNameId = noSlots();
    this.skippable.fill(0);
    if (this.keys.full) this.keys = new FieldKeyTrie();
    if (this.names.full) this.names = new FieldKeyTrie();
    this.budget = { slots: MAX_SLOTS };
    this.lastMeasurement = null;
    this.lastSlots = null;
    this.allowlist = allowlist;
    this.epoch = tally.epoch;
  }

  measurement(measurement: string, allowlist: CompiledAllowlist, tally: MetricTally): MeasurementSlots {
    // Consecutive lines usually share their measurement, and the decoder then hands over the same string.
    if (measurement === this.lastMeasurement && this.lastSlots !== null) return this.lastSlots;
    const slots = this.lookUp(measurement, allowlist, tally);
    this.lastMeasurement = measurement;
    this.lastSlots = slots;
    return slots;
  }

  /**
   * The slots of the line's measurement, `id` being its DecodedLine.measurementId: by id when the decoder
   * recognised it (one array read), else by name; a name the decoder looked for and did not find is learnt.
   */
  measurementOf(measurement: string, id: number, allowlist: CompiledAllowlist, tally: MetricTally): MeasurementSlots {
    if (id >= 0) {
      const known = this.byNameId[id];
      if (known !== undefined) return known;
    }
    const slots = this.measurement(measurement, allowlist, tally);
    if (id >= MAX_KEYS) return slots;
    if (id >= 0) this.byNameId[id] = slots;
    else if (id === NOT_IN_TRIE) {
      const learnt = this.names.insert(measurement);
      if (learnt >= 0 && learnt < MAX_KEYS) this.byNameId[learnt] = slots;
    }
    return slots;
  }

  /**
   * A line of `slots`, whose `names` id is `id`, was decoded in full: after `fullLines` of them this interval,
   * the measurement's next lines may be passed over (when it can never pass; see MeasurementSlots.sampledEnough).
   */
  sampled(slots: MeasurementSlots, id: number, fullLines: number): void {
    if (slots.sampledEnough(fullLines) && id >= 0 && id < MAX_KEYS && this.byNameId[id] === slots) this.skippable[id] = 1;
  }

  /** A line of the measurement with `names` id `id` was passed over (it is skippable, so its slots are indexed). */
  skipped(id: number): void {
    this.byNameId[id]?.skippedLine();
  }

  private lookUp(measurement: string, allowlist: CompiledAllowlist, tally: MetricTally): MeasurementSlots {
    const known = this.measurements.get(measurement);
    if (known !== undefined) return known;
    const counters = tally.measurement(measurement);
    const slots = new MeasurementSlots(counters, allowlist.plan(measurement), this.budget, !tally.isOverflow(counters));
    if (this.measurements.size >= MAX_MEASUREMENTS) {
      this.measurements.clear();
      this.byNameId = noSlots();
      this.skippable.fill(0);
    }
    this.measurements.set(detachString(measurement), slots);
    return slots;
  }
}

/** One entry per possible `names` id, allocated whole so that the array stays packed. */
function noSlots(): (MeasurementSlots | undefined)[] {
  return new Array<MeasurementSlots | undefined>(MAX_KEYS).fill(undefined);
}
