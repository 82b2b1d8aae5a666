import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * The last allowlist text the service accepted, as a plain YAML file (readable, and usable as an allowlist
 * file itself). Written atomically: a crash mid-write leaves the previous snapshot, never half a file.
 */
export const writeSnapshot = async (path: string, text: string): Promise<void> => {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { encoding: 'utf8', flush: true });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
};

/** The snapshot's text, or undefined when there is none (an empty file counts as none: it was never valid). */
export const readSnapshot = async (path: string): Promise<string | undefined> => {
  try {
    const text = await readFile(path, 'utf8');
    return text.length > 0 ? text : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
};
