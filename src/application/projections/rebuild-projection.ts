import type { EventStore } from '../ports/event-store.js';
import type { ProjectionCheckpoints } from '../ports/projection-checkpoints.js';
import { sleep } from './projection.js';
import type { ProjectionRunner } from './projection-runner.js';

export interface RebuildDeps {
  readonly name: string;
  readonly category: string;
  readonly store: Pick<EventStore, 'readCategory'>;
  readonly checkpoints: ProjectionCheckpoints;
  /** Removes the projection's read model (nothing for a delivery projection: it then delivers everything again). */
  readonly clear: () => Promise<void>;
  /** A runner for this projection under its own owner id; it replays when it gets the lease. */
  readonly runner: ProjectionRunner;
  readonly timeoutMs: number;
}

/**
 * Rebuilds a projection from its log: clear the read model, then reset the checkpoint — in this order, so that an
 * owner writing concurrently can only add documents the replay would write anyway (the read model refuses older
 * versions) and then sees the reset and starts over. The replay is done by whoever holds the lease: this process
 * when the lease is free, else the running replica (which re-reads the checkpoint on every page). Resolves when
 * the checkpoint has caught up with the log; `false` on timeout.
 */
export async function rebuildProjection(deps: RebuildDeps): Promise<boolean> {
  const { name, category, store, checkpoints, runner } = deps;
  await deps.clear();
  await checkpoints.reset(name);
  const deadline = Date.now() + deps.timeoutMs;
  const ownReplay = runner.catchUp(deps.timeoutMs);
  const caughtUp = async (): Promise<boolean> => {
    while (Date.now() < deadline) {
      const at = await checkpoints.read(name);
      if ((await store.readCategory(category, { after: at, maxCount: 1 })).length === 0) return true;
      await sleep(200);
    }
    return false;
  };
  try {
    return await Promise.race([ownReplay, caughtUp()]);
  } finally {
    await runner.stop();
  }
}
