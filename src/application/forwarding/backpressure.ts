/**
 * Hysteresis for ingest: pause above the high-water mark or while the engine's breaker is open, resume only
 * under the low-water mark with the breaker closed. The gap between the marks stops flapping.
 */
export class Backpressure {
  private paused = false;

  constructor(
    private readonly highWater: number,
    private readonly lowWater: number,
  ) {}

  /** Returns the new decision when it changes, else undefined. */
  update(backlog: number, breakerOpen: boolean): 'pause' | 'resume' | undefined {
    if (!this.paused && (backlog >= this.highWater || breakerOpen)) {
      this.paused = true;
      return 'pause';
    }
    if (this.paused && backlog <= this.lowWater && !breakerOpen) {
      this.paused = false;
      return 'resume';
    }
    return undefined;
  }

  get isPaused(): boolean {
    return this.paused;
  }
}
