import { createHash } from 'node:crypto';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AllowlistDocument } from '../../../src/application/ports/allowlist-source.js';
import { FileAllowlistSource } from '../../../src/infrastructure/file/file-allowlist-source.js';

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
const V1 = 'entries:\n  - measurement: cpu\n';
const V2 = 'entries:\n  - measurement: mem\n';

let dir: string;
let path: string;
let source: FileAllowlistSource | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'allowlist-'));
  path = join(dir, 'metrics-allowlist.yaml');
});
afterEach(async () => {
  await source?.stop();
  source = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** Starts the source and collects every version it emits afterwards. */
async function started(): Promise<{ initial: AllowlistDocument; seen: AllowlistDocument[]; next: () => Promise<AllowlistDocument> }> {
  const seen: AllowlistDocument[] = [];
  const waiters: ((d: AllowlistDocument) => void)[] = [];
  source = new FileAllowlistSource(path, { debounceMs: 30, pollIntervalMs: 0 });
  const initial = await source.start((d) => {
    seen.push(d);
    waiters.shift()?.(d);
  });
  const next = () =>
    new Promise<AllowlistDocument>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no new version within 5 s')), 5_000);
      waiters.push((d) => {
        clearTimeout(timer);
        resolve(d);
      });
    });
  return { initial, seen, next };
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a local allowlist file', () => {
  it('is read at start, versioned by the sha1 of its text', async () => {
    await writeFile(path, V1);
    const { initial } = await started();
    expect(initial).toEqual({ text: V1, version: sha1(V1), origin: `file:${path}` });
  });

  it('emits a new version when the file is written', async () => {
    await writeFile(path, V1);
    const { next } = await started();
    const changed = next();
    await writeFile(path, V2);
    expect(await changed).toEqual({ text: V2, version: sha1(V2), origin: `file:${path}` });
  });

  it('emits a new version when an editor saves by renaming a new file over it', async () => {
    await writeFile(path, V1);
    const { next } = await started();
    const changed = next();
    await writeFile(join(dir, '.metrics-allowlist.yaml.tmp'), V2);
    await rename(join(dir, '.metrics-allowlist.yaml.tmp'), path);
    expect((await changed).version).toBe(sha1(V2));
    // and keeps watching the new file
    const again = next();
    await writeFile(path, V1);
    expect((await again).version).toBe(sha1(V1));
  });

  it('emits nothing when the content did not change', async () => {
    await writeFile(path, V1);
    const { seen } = await started();
    await writeFile(path, V1);
    await settle(300);
    expect(seen).toEqual([]);
  });

  it('emits nothing after stop', async () => {
    await writeFile(path, V1);
    const { seen } = await started();
    await source?.stop();
    await writeFile(path, V2);
    await settle(300);
    expect(seen).toEqual([]);
  });

  it('refuses to start, naming the file, when it cannot be read', async () => {
    source = new FileAllowlistSource(path);
    await expect(source.start(() => undefined)).rejects.toThrow(`cannot read the allowlist file ${path}`);
  });
});
