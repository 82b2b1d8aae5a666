/**
 * Bench helpers: local services, a bridge as its own Node process (`node --import tsx src/main.ts serve`, one
 * process, so its pid is the bridge's and /proc tells its memory and CPU), its JSON log lines as events.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The service's node flags (`config.nodeFlags` in package.json, what `npm start` runs with), space-separated. */
export const SERVICE_NODE_FLAGS = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { config: { nodeFlags: string } }).config.nodeFlags;

/** `bash deploy/local/services.sh up <names>`; its progress goes to stderr, never to our last-line JSON. */
export function servicesUp(...names: string[]): void {
  execFileSync('bash', [join(root, 'deploy/local/services.sh'), 'up', ...names], { stdio: ['ignore', process.stderr, process.stderr] });
}

export interface LogLine {
  readonly time: number;
  readonly msg: string;
  readonly level: number;
  readonly [key: string]: unknown;
}

export interface BridgeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the first log line that satisfies `match` (from the start of the process). */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
  onLog(listener: (line: LogLine) => void): void;
  /** SIGTERM and wait for the exit (a --cpu-prof profile is written then). */
  stop(): Promise<number | null>;
}

/** Starts a bridge with this configuration (written as YAML to a temp file). `nodeArgs` e.g. ['--cpu-prof']. */
export function spawnBridge(
  config: Record<string, unknown>,
  opts: { nodeArgs?: readonly string[]; name?: string; /** compiled entry (see buildBridge); default src/main.ts through tsx */ script?: string } = {},
): BridgeProcess {
  const dir = mkdtempSync(join(tmpdir(), 'bench-bridge-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, dump(config));
  // Only our configuration: AIOPS__ variables of the caller's shell would override it.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AIOPS__')));
  const entry = opts.script ? [opts.script] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry, 'serve', '--config', file], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const seen: LogLine[] = [];
  const listeners: Array<(line: LogLine) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      process.stderr.write(`[${opts.name ?? 'bridge'}] ${text}\n`);
      return;
    }
    // Errors only: the warnings of a start (consumer-group rebalances) would bury the bench's own output.
    if (line.level >= 50) process.stderr.write(`[${opts.name ?? 'bridge'}] ${text}\n`);
    seen.push(line);
    for (const l of listeners) l(line);
  });
  createInterface({ input: child.stderr! }).on('line', (text) => process.stderr.write(`[${opts.name ?? 'bridge'} stderr] ${text}\n`));
  const exited = once(child, 'exit') as Promise<[number | null]>;
  return {
    child,
    pid: child.pid ?? -1,
    onLog: (l) => listeners.push(l),
    waitForLog: (match, timeoutMs) =>
      new Promise((resolve, reject) => {
        const hit = seen.find(match);
        if (hit) return resolve(hit);
        const timer = setTimeout(() => reject(new Error(`${opts.name ?? 'bridge'}: no matching log line within ${timeoutMs} ms`)), timeoutMs);
        listeners.push((line) => {
          if (match(line)) {
            clearTimeout(timer);
            resolve(line);
          }
        });
        void exited.then(([code]) => {
          clearTimeout(timer);
          reject(new Error(`${opts.name ?? 'bridge'} exited with ${code} before the awaited log line`));
        });
      }),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const [code] = await exited;
      return code;
    },
  };
}

/**
 * Compiles src/ as `npm run build` does, into dist/ (git-ignored), and returns the entry to run: what production
 * runs (`node dist/main.js`), without the tsx loader's own memory and start-up. dist/ itself, not a folder of the
 * bench's own: the compiled code finds files of the repository by relative paths (docs/openapi.yaml for the API,
 * dist/console for the console). Falls back to tsx (returns undefined) when the tree does not compile.
 */
export function buildBridge(): string | undefined {
  const out = join(root, 'dist');
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out], {
      cwd: root,
      stdio: ['ignore', process.stderr, process.stderr],
    });
    return join(out, 'main.js');
  } catch {
    process.stderr.write('bench: src/ does not compile; running the bridge through tsx instead (more memory, slower start)\n');
    return undefined;
  }
}

/** Resident set size now and its peak (VmHWM) of a process, in MB, from /proc. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** CPU seconds of a process and all its live descendants (a bridge run through tsx is a node child of tsx's). */
export function treeCpuSecondsOf(pid: number): number {
  let total = cpuSecondsOf(pid);
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
  } catch {
    // gone, or no children file on this kernel: its own time only
  }
  for (const child of children) total += treeCpuSecondsOf(Number(child));
  return total;
}

/** CPU seconds (user + system) a process has used so far. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the full line, 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
