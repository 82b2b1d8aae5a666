import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../src/application/projections/backoff.js';

const policy = { baseMs: 100, maxMs: 10_000 };

describe('backoff for delivery retries', () => {
  it('doubles per attempt between half and all of the ceiling', () => {
    expect(backoffDelayMs(1, policy, 0, () => 0)).toBe(50);
    expect(backoffDelayMs(1, policy, 0, () => 1)).toBe(100);
    expect(backoffDelayMs(4, policy, 0, () => 0)).toBe(400);
    expect(backoffDelayMs(4, policy, 0, () => 1)).toBe(800);
  });

  it('stops growing at maxMs', () => {
    expect(backoffDelayMs(30, policy, 0, () => 1)).toBe(10_000);
  });

  it('never retries sooner than Retry-After, even above maxMs', () => {
    expect(backoffDelayMs(1, policy, 2_500, () => 1)).toBe(2_500);
    expect(backoffDelayMs(30, policy, 60_000, () => 1)).toBe(60_000);
  });
});
