import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectionCheckpoints } from '../../src/application/ports/projection-checkpoints.js';

/** The behaviours every ProjectionCheckpoints adapter must have; `connect()` opens another client of the same store. */
export interface CheckpointsSubject {
  readonly checkpoints: ProjectionCheckpoints;
  readonly connect: () => Promise<ProjectionCheckpoints>;
  readonly close: () => Promise<void>;
}

export function describeCheckpointsContract(name: string, setup: () => Promise<CheckpointsSubject>): void {
  describe(`ProjectionCheckpoints contract: ${name}`, () => {
    let subject: CheckpointsSubject;
    let cp: ProjectionCheckpoints;
    beforeAll(async () => {
      subject = await setup();
      cp = subject.checkpoints;
    });
    afterAll(async () => subject?.close());
    const projection = (): string => `p-${randomUUID()}`;

    describe('when a projection has handled nothing', () => {
      it('reads null and accepts a first checkpoint only from null', async () => {
        const p = projection();
        expect(await cp.read(p)).toBeNull();
        expect(await cp.compareAndSet(p, '5-0', '6-0')).toBe(false);
        expect(await cp.read(p)).toBeNull();
        expect(await cp.compareAndSet(p, null, '1-0')).toBe(true);
        expect(await cp.read(p)).toBe('1-0');
      });
    });

    describe('when a projection has a checkpoint', () => {
      it('advances from the current value and refuses a stale writer', async () => {
        const p = projection();
        await cp.compareAndSet(p, null, '1-0');
        expect(await cp.compareAndSet(p, '1-0', '2-0')).toBe(true);
        // A replica that read 1-0 before the advance comes back: refused, the checkpoint stays.
        expect(await cp.compareAndSet(p, '1-0', '9-9')).toBe(false);
        expect(await cp.compareAndSet(p, null, '9-9')).toBe(false);
        expect(await cp.read(p)).toBe('2-0');
      });

      it('lets exactly one of many concurrent writers from the same checkpoint win', async () => {
        const p = projection();
        await cp.compareAndSet(p, null, '1-0');
        const writers = await Promise.all(Array.from({ length: 8 }, () => subject.connect()));
        const won = await Promise.all(writers.map((w, i) => w.compareAndSet(p, '1-0', `2-${i}`)));
        expect(won.filter(Boolean)).toHaveLength(1);
        expect(await cp.read(p)).toBe(`2-${won.indexOf(true)}`);
      });

      it('goes back to null on reset, and a rebuild starts from null again', async () => {
        const p = projection();
        await cp.compareAndSet(p, null, '3-0');
        await cp.reset(p);
        expect(await cp.read(p)).toBeNull();
        expect(await cp.compareAndSet(p, '3-0', '4-0')).toBe(false);
        expect(await cp.compareAndSet(p, null, '1-0')).toBe(true);
      });

      it('keeps projections apart', async () => {
        const [a, b] = [projection(), projection()];
        await cp.compareAndSet(a, null, '7-0');
        expect(await cp.read(b)).toBeNull();
        await cp.reset(b);
        expect(await cp.read(a)).toBe('7-0');
      });
    });

    describe('when the next checkpoint is not a position', () => {
      it('refuses an empty checkpoint with an error', async () => {
        await expect(cp.compareAndSet(projection(), null, '')).rejects.toThrow(/non-empty/);
      });
    });
  });
}
