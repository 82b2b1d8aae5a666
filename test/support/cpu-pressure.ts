import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { availableParallelism } from 'node:os';

export interface CpuPressure {
  /** Kills every busy loop still running and waits for them to exit. */
  stop(): Promise<void>;
}

/**
 * One busy-loop OS process per core (or `processes`), each ending by itself after `maxMs` so a crashed test
 * cannot leave them spinning. They compete with everything else on the machine at normal priority: the point
 * is to make the bridges, Redis and the simulator wait for the CPU, as GC pauses and neighbours do in production.
 */
export const startCpuPressure = (maxMs: number, processes = availableParallelism()): CpuPressure => {
  const script = `const end = Date.now() + ${Math.round(maxMs)}; let x = 0; while (Date.now() < end) x = (x * 31 + 7) % 1000003;`;
  const children: ChildProcess[] = Array.from({ length: processes }, () => spawn(process.execPath, ['-e', script], { stdio: 'ignore' }));
  return {
    async stop() {
      await Promise.all(
        children.filter((c) => c.exitCode === null && c.signalCode === null).map(async (c) => {
          const exited = once(c, 'exit');
          c.kill('SIGKILL');
          await exited;
        }),
      );
    },
  };
};
