import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePoints, encodePoints } from '../../../src/infrastructure/bullmq/forward-job-codec.js';
import { pointCount, pointsOf, type ForwardJobData } from '../../../src/infrastructure/bullmq/forward-queue.js';
import type { MetricPoint } from '../../../src/domain/metric.js';

/** What BullMQ does with job data: JSON out to Redis, JSON back. */
const throughRedis = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

describe('compact forward job points', () => {
  describe('when the points of a line share one tags object', () => {
    it('stores each name and tags object once and gives back equal points in order', () => {
      const host = { host: 'web-1', dc: 'cn-east-1' };
      const other = { host: 'web-2', dc: 'cn-east-1' };
      const points: MetricPoint[] = [
        { name: 'cpu.usage_idle', tags: host, ts: 1_764_633_600_000, value: 97.5 },
        { name: 'cpu.usage_user', tags: host, ts: 1_764_633_600_000, value: 1.25 },
        { name: 'cpu.usage_idle', tags: other, ts: 1_764_633_600_001, value: -3 },
        { name: 'cpu.usage_user', tags: host, ts: 1_764_633_600_002, value: 0 },
      ];
      const compact = throughRedis(encodePoints(points));
      expect(compact.names).toEqual(['cpu.usage_idle', 'cpu.usage_user']);
      expect(compact.tags).toEqual([host, other]);
      expect(compact.p.filter((_, i) => i % 4 === 2)).toEqual([0, 0, 1, 2]);
      expect(decodePoints(compact)).toEqual(points);
    });
  });

  describe('when names, tags and values are arbitrary', () => {
    it('round-trips every batch through JSON unchanged', () => {
      const point = fc.record({
        name: fc.string({ minLength: 1 }),
        tags: fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'), fc.string()),
        ts: fc.integer({ min: 0, max: 4_102_444_800_000 }),
        value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)),
      });
      fc.assert(
        fc.property(fc.array(point, { maxLength: 50 }), (points) => {
          expect(decodePoints(throughRedis(encodePoints(points)))).toEqual(points);
        }),
      );
    });
  });

  describe('when a job was enqueued before the compact form (points as objects)', () => {
    it('reads its points as they are', () => {
      const data: ForwardJobData = { points: [{ name: 'm.f', tags: { a: 'b' }, ts: 1, value: 2 }] };
      expect(pointsOf(throughRedis(data))).toEqual(data.points);
      expect(pointCount(data)).toBe(1);
    });
  });

  describe('when a compact payload is malformed', () => {
    it('refuses it with a clear error instead of inventing points', () => {
      const bad = { compact: { names: ['m.f'], tags: [{}], t0: 0, p: [0, 0, 1, 2, 5, 0, 1, 2] } } as ForwardJobData;
      expect(() => pointsOf(bad)).toThrow(/point 1 refers to no name or tags/);
      expect(() => pointsOf({ compact: { names: [], tags: [], t0: 0, p: [0] } } as ForwardJobData)).toThrow(/malformed/);
      expect(() => pointsOf({} as ForwardJobData)).toThrow(/neither points nor compact/);
      expect(pointCount({} as ForwardJobData)).toBe(0);
      expect(pointCount(bad)).toBe(2);
    });
  });
});
