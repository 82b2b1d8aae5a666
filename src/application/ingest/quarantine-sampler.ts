/**
 * How many bad lines go to the quarantine. The quarantine keeps the newest entries for inspection (a capped
 * stream); a flood — a producer whose clock is hours off, a broken serialiser — would otherwise have every one of its
 * lines written, and the writes still pending in this process grow with the flood (a 10-M-line run with ~6 M
 * out-of-window points held ~380 MB). So at most `perSecond` lines a second are written, and no more while
 * `maxPending` lines are still being written (Redis slow or away). The lines left out stay counted everywhere else
 * (catalog, `aiops_ingest_bad_lines_total`, invalid points); only their raw text is not kept, and they are counted
 * here.
 */
export class QuarantineSampler {
  private second = Number.NaN;
  private left = 0;
  private pending = 0;

  constructor(
    private readonly perSecond: number,
    private readonly maxPending = perSecond * 10,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The lines to write now (the first ones, up to the budget) and how many were left out. Call `settled` with
   * `keep.length` once their write has ended, whichever way.
   */
  take<T>(lines: readonly T[]): { keep: readonly T[]; skipped: number } {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      this.left = this.perSecond;
    }
    const n = Math.max(0, Math.min(this.left, lines.length, this.maxPending - this.pending));
    this.left -= n;
    this.pending += n;
    return { keep: n === lines.length ? lines : lines.slice(0, n), skipped: lines.length - n };
  }

  settled(lines: number): void {
    this.pending = Math.max(0, this.pending - lines);
  }
}
