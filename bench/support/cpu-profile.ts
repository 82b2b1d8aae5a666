import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Self time per function, highest first. */
  readonly functions: Array<{ name: string; ms: number; pct: number }>;
  /** Self time per source file (node_modules packages folded into one entry each), highest first. */
  readonly files: Array<{ name: string; ms: number; pct: number }>;
}

/**
 * Self time by function and by file of the newest `.cpuprofile` in `dir` (written by `node --cpu-prof`).
 * Only part of a run can be counted, so that a profile is not half module loading and start-up:
 * `from`: samples from the first one whose own frame's URL matches (e.g. the decoder's file) on;
 * `lastMs`: only the samples of the profile's last `lastMs` (a bench's load phase).
 */
export function summarizeProfile(dir: string, top = 25, window: { from?: RegExp; lastMs?: number } = {}): ProfileSummary {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const { from, lastMs = Infinity } = window;
  const first = from ? profile.samples.findIndex((id) => from.test(byId.get(id)?.callFrame.url ?? '')) : 0;
  const since = profile.endTime - lastMs * 1000;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (i >= first && at >= since) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const short = shortUrl(url);
    const fn = `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
    fns.set(fn, (fns.get(fn) ?? 0) + us);
    const group = short ? packageOf(short) : functionName; // (garbage collector), (program), (idle)
    files.set(group, (files.get(group) ?? 0) + us);
    total += us;
  }
  const rank = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: Math.round((us / total) * 1000) / 10 }));
  return { file: join(dir, file), totalMs: Math.round(total / 1000), functions: rank(fns), files: rank(files) };
}

const shortUrl = (url: string): string => url.replace(/^file:\/\//, '').replace(/^.*?\/(src|node_modules|bench|test)\//, '$1/');
const packageOf = (path: string): string => {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return m ? `node_modules/${m[1]}` : path;
};

export function printSummary(s: ProfileSummary, out: (line: string) => void): void {
  out(`cpu profile ${s.file}: ${s.totalMs} ms sampled`);
  out('self time by file / package:');
  for (const f of s.files) out(`  ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.name}`);
  out('self time by function:');
  for (const f of s.functions) out(`  ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.name}`);
}
