import { describe, expect, it } from 'vitest';
import { IngestPipeline, type SourcePosition } from '../../../src/application/forwarding/ingest-pipeline.js';
import type { MetricQueue } from '../../../src/application/ports/metric-queue.js';
import type { MetricBatch } from '../../../src/domain/metric.js';

/** Decodes "name=value" payloads; "bad" is a bad line. */
const decode = (payload: Buffer, sink: { accept: (p: never) => void; badLine: (r: string, raw: string) => void }) => {
  for (const line of payload.toString().split('\n')) {
    if (line === 'bad') sink.badLine('bad_line', line);
    else if (line) sink.accept({ name: line, tags: {}, ts: 1, value: 1 } as never);
  }
};

function setup(opts: { maxPoints?: number; failEnqueue?: () => boolean } = {}) {
  const enqueued: MetricBatch[] = [];
  const commits: SourcePosition[][] = [];
  const order: string[] = [];
  const queue: MetricQueue = {
    async enqueue(batches) {
      if (opts.failEnqueue?.()) throw new Error('redis down');
      enqueued.push(...batches);
      order.push(`enqueue:${batches.length}`);
    },
    backlog: async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 }),
    close: async () => {},
  };
  const bad: string[] = [];
  const pipeline = new IngestPipeline({
    decode,
    queue,
    commit: async (next) => {
      commits.push([...next]);
      order.push(`commit:${next.map((p) => `${p.partition}@${p.offset}`).join(',')}`);
    },
    onBadLines: (lines) => bad.push(...lines.map((l) => `${l.partition}@${l.offset}:${l.reason}`)),
    limits: { maxPoints: opts.maxPoints ?? 100, maxBytes: 1_000_000 },
    maxLingerMs: 20,
    newBatchId: (s) => `batch-${s}`,
  });
  return { pipeline, enqueued, commits, order, bad };
}
const pos = (partition: number, offset: number): SourcePosition => ({ topic: 't', partition, offset: String(offset) });

describe('IngestPipeline', () => {
  describe('when a batch fills up', () => {
    it('enqueues before it commits, and commits the offset after the last processed message', async () => {
      const { pipeline, order, enqueued } = setup({ maxPoints: 2 });
      await pipeline.process(pos(0, 10), Buffer.from('a\nb\nc'));
      expect(order).toEqual(['enqueue:2', 'commit:0@11']);
      expect(enqueued.flatMap((b) => b.points.map((p) => p.name))).toEqual(['a', 'b', 'c']);
    });
  });

  describe('when the source batch ends with points pending', () => {
    it('commits nothing until the linger timer has enqueued them', async () => {
      const { pipeline, order } = setup();
      await pipeline.process(pos(1, 5), Buffer.from('a'));
      await pipeline.process(pos(2, 7), Buffer.from('b'));
      await pipeline.settle();
      expect(order).toEqual([]);
      await new Promise((r) => setTimeout(r, 60));
      expect(order).toEqual(['enqueue:1', 'commit:1@6,2@8']);
    });
  });

  describe('when nothing passed the filter', () => {
    it('commits at the end of the source batch without enqueuing', async () => {
      const { pipeline, order } = setup();
      await pipeline.process(pos(0, 3), Buffer.from(''));
      await pipeline.settle();
      expect(order).toEqual(['commit:0@4']);
    });
  });

  describe('when the enqueue fails', () => {
    it('commits nothing and keeps the points for the next flush', async () => {
      let fail = true;
      const { pipeline, commits, enqueued } = setup({ failEnqueue: () => fail });
      await pipeline.process(pos(0, 1), Buffer.from('a\nb'));
      await expect(pipeline.flush()).rejects.toThrow('redis down');
      expect(commits).toEqual([]);
      expect(pipeline.pending).toBe(2);
      fail = false;
      await pipeline.flush();
      expect(enqueued.flatMap((b) => b.points.map((p) => p.name))).toEqual(['a', 'b']);
      expect(commits).toEqual([[{ topic: 't', partition: 0, offset: '2' }]]);
    });
  });

  describe('when a payload has bad lines', () => {
    it('reports them with their source position and keeps the good ones', async () => {
      const { pipeline, bad, enqueued } = setup();
      await pipeline.process(pos(4, 9), Buffer.from('a\nbad\nb'));
      await pipeline.flush();
      expect(bad).toEqual(['4@9:bad_line']);
      expect(enqueued.flatMap((b) => b.points.map((p) => p.name))).toEqual(['a', 'b']);
    });
  });
});

describe('IngestPipeline batch ids', () => {
  describe('when the composition root names no id scheme (as src/main.ts)', () => {
    it('names every batch with a fresh UUID, distinct across pipelines (restarts)', async () => {
      const ids: string[] = [];
      const make = () =>
        new IngestPipeline({
          decode,
          queue: { enqueue: async (b) => void ids.push(...b.map((x) => x.id)), backlog: async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 }), close: async () => {} },
          commit: async () => {},
          limits: { maxPoints: 1, maxBytes: 1_000_000 },
          maxLingerMs: 10,
        });
      for (const pipeline of [make(), make()]) {
        await pipeline.process(pos(0, 1), Buffer.from('a\nb\nc'));
        await pipeline.flush();
      }
      expect(ids).toHaveLength(6);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(new Set(ids).size).toBe(6);
    });
  });
});

describe('IngestPipeline with flushes in flight', () => {
  /** A queue whose enqueues wait until released, one by one, in order. */
  function gatedSetup(window: number, onFlushFailed?: (err: unknown) => void) {
    const releases: Array<(fail?: Error) => void> = [];
    const order: string[] = [];
    const pipeline = new IngestPipeline({
      decode,
      queue: {
        enqueue: (batches) =>
          new Promise<void>((resolve, reject) => {
            order.push(`start:${batches.flatMap((b) => b.points.map((p) => p.name)).join('')}`);
            releases.push((fail) => (fail ? reject(fail) : resolve()));
          }),
        backlog: async () => ({ waiting: 0, active: 0, delayed: 0, failed: 0 }),
        close: async () => {},
      },
      commit: async (next) => {
        order.push(`commit:${next.map((p) => `${p.partition}@${p.offset}`).join(',')}`);
      },
      limits: { maxPoints: 2, maxBytes: 1_000_000 },
      maxLingerMs: 10_000,
      newBatchId: (s) => `batch-${s}`,
      flushesInFlight: window,
      ...(onFlushFailed ? { onFlushFailed } : {}),
    });
    const tick = () => new Promise((r) => setTimeout(r, 5));
    return { pipeline, releases, order, tick };
  }

  describe('when a batch fills while Redis is slow', () => {
    it('takes the next message before the enqueue resolves, and commits only after it', async () => {
      const { pipeline, releases, order, tick } = gatedSetup(2);
      await pipeline.process(pos(0, 1), Buffer.from('a\nb'));
      await tick();
      expect(order).toEqual(['start:ab']);
      await pipeline.process(pos(0, 2), Buffer.from('c'));
      expect(order).toEqual(['start:ab']);
      releases[0]!();
      await tick();
      expect(order).toEqual(['start:ab', 'commit:0@2']);
      await pipeline.settle();
      const done = pipeline.flush();
      await tick();
      releases[1]!();
      await done;
      expect(order).toEqual(['start:ab', 'commit:0@2', 'start:c', 'commit:0@3']);
    });

    it('waits for the oldest flush once the window is full', async () => {
      const { pipeline, releases, tick } = gatedSetup(1);
      await pipeline.process(pos(0, 1), Buffer.from('a\nb'));
      await tick();
      let second = false;
      const p = pipeline.process(pos(0, 2), Buffer.from('c\nd')).then(() => (second = true));
      await tick();
      expect(second).toBe(false);
      releases[0]!();
      await tick();
      expect(second).toBe(true);
      await p;
    });
  });

  describe('when a flush behind the source fails', () => {
    it('throws from the next message, commits nothing, and enqueues its points again before any commit', async () => {
      const { pipeline, releases, order, tick } = gatedSetup(2);
      await pipeline.process(pos(0, 1), Buffer.from('a\nb'));
      await tick();
      releases[0]!(new Error('redis down'));
      await tick();
      await expect(pipeline.process(pos(0, 2), Buffer.from('c'))).rejects.toThrow('redis down');
      expect(order).toEqual(['start:ab', 'start:abc']);
      const retry = pipeline.flush();
      releases[1]!();
      await retry;
      expect(order).toEqual(['start:ab', 'start:abc', 'commit:0@3']);
      expect(pipeline.pending).toBe(0);
    });
  });

  describe('when a flush behind the source fails and the source has no next message', () => {
    it('reports the failure at once, and a retried flush enqueues and commits everything', async () => {
      const failures: string[] = [];
      const { pipeline, releases, order, tick } = gatedSetup(2, (err) => failures.push((err as Error).message));
      await pipeline.process(pos(0, 1), Buffer.from('a\nb'));
      await tick();
      releases[0]!(new Error('redis down'));
      await tick();
      expect(failures).toEqual(['redis down']);
      expect(pipeline.pending).toBe(2);
      const retry = pipeline.flush();
      await tick();
      releases[1]!();
      await retry;
      expect(order).toEqual(['start:ab', 'start:ab', 'commit:0@2']);
    });
  });
});
