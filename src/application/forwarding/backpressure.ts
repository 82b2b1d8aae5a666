export type BackpressureDecision = 'pause' | 'resume';

/**
 * Hysteresis for ingest: pause at the high-water mark or while the engine's breaker is open, resume only at or
 * under the low-water mark with the breaker closed. The gap between the marks stops flapping.
 *
 * The backlog is read from the queue only now and then (`update`, a timer), which alone would let a fast
 * consumer enqueue hundreds of batches between two reads. So the pipeline also reports each enqueue
 * (`noteEnqueued`), and the consumer asks `isPaused` before every message: the estimate — the last read plus what
 * this process enqueued since — closes the gate as soon as this process's own enqueues reach the mark. One
 * process therefore overshoots the mark by at most what a single message can flush. (Other replicas' enqueues
 * are seen at the next read; resuming is decided on reads only.)
 */
export class Backpressure {
  private paused = false;
  private breakerOpen = false;
  /** Backlog as last read from the queue. */
  private observed = 0;
  /** Batches this process handed to the queue, ever. */
  private enqueuedTotal = 0;
  /** `enqueuedTotal` when the last read began: enqueues after it may be missing from `observed`. */
  private observedMark = 0;

  constructor(
    private readonly highWater: number,
    private readonly lowWater: number,
    /** Called on every change, whichever path decided it (timer read or the consumer's gate). */
    private readonly onChange?: (decision: BackpressureDecision, estimate: number) => void,
  ) {}

  /** The pipeline is handing `batches` to the queue (counted at hand-off: an estimate errs high, never low). */
  noteEnqueued(batches: number): void {
    this.enqueuedTotal += batches;
  }

  /** Take before reading the backlog, pass to `update` with what was read. */
  mark(): number {
    return this.enqueuedTotal;
  }

  /**
   * A fresh backlog read (queue-wide: every replica's batches). Returns the new decision when it changes.
   * `mark` (from `mark()` before the read) keeps this process's enqueues during the read in the estimate.
   */
  update(backlog: number, breakerOpen: boolean, mark: number = this.enqueuedTotal): BackpressureDecision | undefined {
    this.observed = backlog;
    this.observedMark = mark;
    this.breakerOpen = breakerOpen;
    const estimate = this.estimate;
    if (!this.paused && (estimate >= this.highWater || breakerOpen)) return this.set('pause');
    if (this.paused && estimate <= this.lowWater && !breakerOpen) return this.set('resume');
    return undefined;
  }

  /** Backlog as best known now: the last read plus this process's enqueues since. */
  get estimate(): number {
    return this.observed + this.enqueuedTotal - this.observedMark;
  }

  /** Asked before every message (hot path): pauses as soon as the estimate reaches the high-water mark. */
  get isPaused(): boolean {
    return this.isPausedWith(0);
  }

  /**
   * `isPaused` for a pipeline that still holds `unflushed` full batches it will hand over (flushes in flight):
   * they count as enqueued, so the overshoot stays what one message can flush.
   */
  isPausedWith(unflushed: number): boolean {
    if (!this.paused && this.estimate + unflushed >= this.highWater) this.set('pause');
    return this.paused;
  }

  private set(decision: BackpressureDecision): BackpressureDecision {
    this.paused = decision === 'pause';
    this.onChange?.(decision, this.estimate);
    return decision;
  }
}
