import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;

/** Reads newline-delimited JSON messages from a worker's stdout. */
const lines = (child: ChildProcessWithoutNullStreams, onLine: (line: string) => void): void => {
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
    }
  });
};

/**
 * Runs one OS process per config (`tsx <script> <json>`), waits until every one has connected and said `ready`,
 * then gives them all the same start time so their timelines line up, and collects each one's JSON result.
 */
export const runWorkers = async <R>(script: string, configs: readonly object[], timeoutMs = 30_000): Promise<{ startAt: number; results: R[] }> => {
  const children = configs.map((config) => spawn(tsx, [fileURLToPath(new URL(script, import.meta.url)), JSON.stringify(config)], { cwd: root }));
  const stderr = children.map(() => ({ text: '' }));
  const ready = children.map((child, i) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (stderr[i]!.text += d));
    return new Promise<void>((resolve) => lines(child, (line) => line === 'ready' && resolve()));
  });
  const results = children.map(
    (child, i) =>
      new Promise<R>((resolve, reject) => {
        let result: R | undefined;
        lines(child, (line) => {
          if (line.startsWith('{')) result = JSON.parse(line) as R;
        });
        child.on('exit', (code) => (code === 0 && result !== undefined ? resolve(result) : reject(new Error(`worker ${i} exited ${code}: ${stderr[i]!.text}`))));
      }),
  );
  const timer = setTimeout(() => children.forEach((c) => c.kill()), timeoutMs);
  try {
    await Promise.all(ready);
    const startAt = Date.now() + 300;
    for (const child of children) child.stdin.end(`${JSON.stringify({ startAt })}\n`);
    return { startAt, results: await Promise.all(results) };
  } finally {
    clearTimeout(timer);
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => (c.kill(), once(c, 'exit'))));
  }
};

/** Worker side: say ready, then wait for the shared start time. */
export const awaitStart = async (): Promise<number> => {
  process.stdout.write('ready\n');
  let input = '';
  for await (const chunk of process.stdin) input += String(chunk);
  const { startAt } = JSON.parse(input) as { startAt: number };
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  return startAt;
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Grants per wall-clock second, by the time each was recorded. */
export const perSecond = (times: readonly number[]): Map<number, number> => {
  const buckets = new Map<number, number>();
  for (const t of times) buckets.set(Math.floor(t / 1000), (buckets.get(Math.floor(t / 1000)) ?? 0) + 1);
  return buckets;
};

/** The most grants in any interval of `lengthMs` (sliding, not aligned). */
export const maxInAnyInterval = (times: readonly number[], lengthMs: number): number => {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= lengthMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
};
