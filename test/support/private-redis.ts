import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** A port nobody listens on right now (the OS picks it). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });

/**
 * A redis-server of the test's own (never the shared one): a free port, a scratch directory, the AOF fsynced on
 * every write. `kill()` is SIGKILL (no shutdown save); `start()` again restarts it from its AOF.
 */
export async function privateRedis(extraArgs: readonly string[] = ['--appendonly', 'yes', '--appendfsync', 'always']) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'private-redis-'));
  let child: ChildProcess | undefined;
  const ping = async (): Promise<boolean> => {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  };
  const api = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start(): Promise<void> {
      child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...extraArgs], { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      while (!(await ping())) {
        if (Date.now() > deadline) throw new Error(`private redis on ${port} did not start`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill(): Promise<void> {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGKILL');
      await exited;
    },
    async close(): Promise<void> {
      await api.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await api.start();
  return api;
}
