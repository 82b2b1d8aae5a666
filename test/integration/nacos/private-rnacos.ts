import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const binary = process.env.AIOPS_RNACOS_BIN ?? join(homedir(), '.cache/aiops-bridge/rnacos-0.8.8/bin/rnacos');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * An r-nacos of our own (own port, own data dir) for tests that stop and restart Nacos: the shared one from
 * deploy/local/services.sh stays untouched. Same environment as services.sh; data survives stop() + start().
 *
 * r-nacos 0.8.8 sometimes panics in its raft apply thread on a first start (raftapply.rs:421, an apply request
 * racing bean injection); it then answers HTTP and says `true` to every write but never applies one. So start()
 * only returns once a write can be read back, and otherwise restarts it (from scratch on a first start).
 */
export class PrivateRnacos {
  readonly addr: string;
  private readonly dir = mkdtempSync(join(tmpdir(), 'rnacos-test-'));
  private child: ChildProcess | undefined;
  private everStarted = false;

  /** A random base port by default, so parallel suites (and other engineers' instances) rarely meet. */
  constructor(readonly port: number = 25_000 + Math.floor(Math.random() * 2_900)) {
    this.addr = `127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    for (let attempt = 1; attempt <= 4; attempt++) {
      if (!this.everStarted) rmSync(join(this.dir, 'data'), { recursive: true, force: true });
      this.spawn();
      if (await this.writesApply()) {
        this.everStarted = true;
        return;
      }
      await this.stop();
    }
    throw new Error(`private r-nacos on ${this.addr} never applied a write`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // SIGKILL: a crash is the case under test, and SIGTERM waits for open long polls to finish (seconds).
    child.kill('SIGKILL');
    await exited;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private spawn(): void {
    const { port, dir } = this;
    this.child = spawn(binary, [], {
      cwd: dir,
      stdio: 'ignore',
      env: {
        ...process.env, RNACOS_SDK_HOST: '127.0.0.1', RNACOS_CONSOLE_HOST: '127.0.0.1', RNACOS_HTTP_PORT: String(port),
        RNACOS_GRPC_PORT: String(port + 1000), RNACOS_HTTP_CONSOLE_PORT: String(port + 2000),
        RNACOS_RAFT_NODE_ADDR: `127.0.0.1:${port + 1000}`, RNACOS_DATA_DIR: join(dir, 'data'),
        RNACOS_ENABLE_OPEN_API_AUTH: 'false', RUST_LOG: 'warn',
      },
    });
  }

  /**
   * A probe write that reads back within 10 s. On a loaded machine a restart on existing data (raft log replay)
   * can take seconds to apply its first write: keep writing and reading until the deadline instead of judging
   * by the first second, so only an instance that never applies one is restarted.
   */
  private async writesApply(): Promise<boolean> {
    const url = `http://${this.addr}/nacos/v1/cs/configs`;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const probe = { dataId: '__ready__', group: 'DEFAULT_GROUP', content: `${Date.now()}-${Math.random()}` };
      const written = await fetch(url, { method: 'POST', body: new URLSearchParams(probe) }).then((r) => r.ok, () => false);
      if (written) {
        for (let i = 0; i < 20; i++) {
          const read = await fetch(`${url}?dataId=${probe.dataId}&group=${probe.group}`).then((r) => r.text(), () => '');
          if (read === probe.content) return true;
          await sleep(50);
        }
      } else {
        await sleep(100);
      }
    }
    return false;
  }
}
