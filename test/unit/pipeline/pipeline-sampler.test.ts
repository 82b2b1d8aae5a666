import { describe, expect, it } from 'vitest';
import { pipelineSampler } from '../../../src/application/pipeline/pipeline-sampler.js';
import type { PipelineSamples } from '../../../src/application/ports/pipeline-samples.js';

const recorder = (failFirst = 0) => {
  const writes: { counters: Record<string, number>; gauges: Record<string, number> }[] = [];
  let failures = failFirst;
  const samples: PipelineSamples = {
    stepMs: 10_000,
    record: async (_at, counters, gauges) => {
      if (failures-- > 0) throw new Error('redis down');
      writes.push({ counters: { ...counters }, gauges: { ...gauges } });
    },
    read: async () => [],
  };
  return { samples, writes };
};

describe('a sampler over growing counters', () => {
  it('records what was counted since the previous sample, and gauges as they are', async () => {
    const { samples, writes } = recorder();
    let passed = 0;
    const s = pipelineSampler({ samples, counters: async () => ({ passed }), gauges: async () => ({ backlog: passed / 10 }) });
    passed = 100;
    await s.tick();
    passed = 130;
    await s.tick();
    expect(writes).toEqual([
      { counters: { passed: 100 }, gauges: { backlog: 10 } },
      { counters: { passed: 30 }, gauges: { backlog: 13 } },
    ]);
  });
});

describe('when a write fails', () => {
  it('carries its counts into the next sample instead of losing them', async () => {
    const { samples, writes } = recorder(1);
    let passed = 50;
    const errors: unknown[] = [];
    const s = pipelineSampler({ samples, counters: async () => ({ passed }), gauges: async () => ({}), onError: (e) => errors.push(e) });
    await s.tick();
    passed = 80;
    await s.tick();
    expect(errors).toHaveLength(1);
    expect(writes).toEqual([{ counters: { passed: 80 }, gauges: {} }]);
  });
});
