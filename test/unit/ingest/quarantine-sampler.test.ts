import { describe, expect, it } from 'vitest';
import { QuarantineSampler } from '../../../src/application/ingest/quarantine-sampler.js';

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

describe('the quarantine sampler', () => {
  it('keeps every line while a second stays within its budget', () => {
    const clock = { ms: 10_000 };
    const sampler = new QuarantineSampler(100, 1_000, () => clock.ms);
    const first = sampler.take(lines(60));
    sampler.settled(60);
    const second = sampler.take(lines(40, 60));
    expect(first).toEqual({ keep: lines(60), skipped: 0 });
    expect(second).toEqual({ keep: lines(40, 60), skipped: 0 });
  });

  it('keeps the first lines of a flood up to the budget, counts the rest, and starts over the next second', () => {
    const clock = { ms: 10_000 };
    const sampler = new QuarantineSampler(100, 1_000, () => clock.ms);
    const flood = sampler.take(lines(5_000));
    sampler.settled(flood.keep.length);
    expect(flood.keep).toEqual(lines(100));
    expect(flood.skipped).toBe(4_900);
    expect(sampler.take(lines(10))).toEqual({ keep: [], skipped: 10 });
    clock.ms = 11_000;
    expect(sampler.take(lines(10)).keep).toHaveLength(10);
  });

  it('writes no more while the lines still being written reach their limit, and resumes as writes settle', () => {
    const clock = { ms: 0 };
    const sampler = new QuarantineSampler(100, 150, () => clock.ms);
    expect(sampler.take(lines(100)).skipped).toBe(0);
    clock.ms = 1_000;
    expect(sampler.take(lines(100))).toMatchObject({ skipped: 50 });
    clock.ms = 2_000;
    expect(sampler.take(lines(10))).toEqual({ keep: [], skipped: 10 });
    sampler.settled(100);
    expect(sampler.take(lines(10)).keep).toHaveLength(10);
  });
});
