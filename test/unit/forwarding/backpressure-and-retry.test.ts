import { describe, expect, it } from 'vitest';
import { Backpressure } from '../../../src/application/forwarding/backpressure.js';
import { retryDelayMs } from '../../../src/application/forwarding/retry-policy.js';
import { EngineError } from '../../../src/application/ports/engine-errors.js';

describe('Backpressure', () => {
  it('pauses at the high-water mark and resumes only under the low-water mark', () => {
    const bp = new Backpressure(100, 50);
    expect(bp.update(99, false)).toBeUndefined();
    expect(bp.update(100, false)).toBe('pause');
    expect(bp.update(80, false)).toBeUndefined();
    expect(bp.isPaused).toBe(true);
    expect(bp.update(50, false)).toBe('resume');
    expect(bp.isPaused).toBe(false);
  });

  it('pauses while the breaker is open, whatever the backlog', () => {
    const bp = new Backpressure(100, 50);
    expect(bp.update(0, true)).toBe('pause');
    expect(bp.update(0, true)).toBeUndefined();
    expect(bp.update(0, false)).toBe('resume');
  });
});

describe('Backpressure with full batches still behind a flush in flight', () => {
  it('counts them as enqueued when the gate is asked', () => {
    const bp = new Backpressure(20, 10);
    bp.update(15, false);
    bp.noteEnqueued(2);
    expect(bp.isPausedWith(2)).toBe(false);
    expect(bp.isPausedWith(3)).toBe(true);
    expect(bp.isPaused).toBe(true);
  });
});

describe('Backpressure between two backlog reads', () => {
  it("closes the gate as soon as this process's own enqueues reach the high-water mark", () => {
    const changes: string[] = [];
    const bp = new Backpressure(20, 10, (d, estimate) => changes.push(`${d}@${estimate}`));
    expect(bp.update(15, false)).toBeUndefined();
    bp.noteEnqueued(4);
    expect(bp.isPaused).toBe(false);
    bp.noteEnqueued(1);
    expect(bp.estimate).toBe(20);
    expect(bp.isPaused).toBe(true);
    expect(changes).toEqual(['pause@20']);
  });

  it('keeps enqueues made during a read in the estimate (mark taken before the read)', () => {
    const bp = new Backpressure(20, 10);
    bp.noteEnqueued(5);
    const mark = bp.mark();
    bp.noteEnqueued(3); // while the read is in flight: maybe not in it
    bp.update(5, false, mark);
    expect(bp.estimate).toBe(8);
  });

  it('resumes only on a read at or under the low-water mark', () => {
    const changes: string[] = [];
    const bp = new Backpressure(20, 10, (d) => changes.push(d));
    bp.noteEnqueued(25);
    expect(bp.isPaused).toBe(true);
    expect(bp.update(11, false)).toBeUndefined();
    expect(bp.isPaused).toBe(true);
    expect(bp.update(10, false)).toBe('resume');
    expect(bp.isPaused).toBe(false);
    expect(changes).toEqual(['pause', 'resume']);
  });
});

describe('retryDelayMs', () => {
  const policy = { baseMs: 100, maxMs: 5_000 };
  it('grows exponentially with jitter between half and all of the ceiling', () => {
    expect(retryDelayMs(1, new Error('x'), policy, () => 0)).toBe(50);
    expect(retryDelayMs(1, new Error('x'), policy, () => 1)).toBe(100);
    expect(retryDelayMs(4, new Error('x'), policy, () => 1)).toBe(800);
    expect(retryDelayMs(20, new Error('x'), policy, () => 1)).toBe(5_000);
  });

  it('never retries sooner than Retry-After', () => {
    const err = new EngineError('rate_limited', '429', true, { retryAfterMs: 3_000 });
    expect(retryDelayMs(1, err, policy, () => 0)).toBe(3_000);
  });
});
