import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { AllowlistDocument, AllowlistSource } from '../../application/ports/allowlist-source.js';

export interface FileAllowlistSourceOptions {
  /** Quiet time after the last file-system event before re-reading. Default 200 ms. */
  readonly debounceMs?: number;
  /** Re-read on a timer too, for file systems where watching is unreliable (NFS, some containers); 0 = off. Default 10 s. */
  readonly pollIntervalMs?: number;
  /** A watcher failure or an unreadable file after start; the last good document stays current. */
  readonly onError?: (err: Error) => void;
}

/**
 * The allowlist from a local file (the embedded default and the local set-up). Watches the file's directory
 * rather than the file: editors save by writing a new file and renaming it over the old one, and Kubernetes
 * swaps a ConfigMap's symlinks, both of which detach a watcher from the original inode. Any event triggers a
 * debounced re-read; a version (sha1 of the text) is emitted only when the content really changed.
 */
export class FileAllowlistSource implements AllowlistSource {
  private readonly path: string;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private lastVersion: string | undefined;
  private reading: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    path: string,
    private readonly options: FileAllowlistSourceOptions = {},
  ) {
    this.path = resolve(path);
  }

  async start(onChange: (doc: AllowlistDocument) => void): Promise<AllowlistDocument> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      throw new Error(`cannot read the allowlist file ${this.path}: ${(err as Error).message}`, { cause: err });
    }
    const doc = this.document(text);
    this.lastVersion = doc.version;
    this.stopped = false;
    const name = basename(this.path);
    this.watcher = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
      // `changed` may be null on some platforms, and a ConfigMap swap renames `..data`, not the file: re-read on those too.
      if (changed === null || changed === name || changed.startsWith('..')) this.schedule(onChange);
    });
    this.watcher.on('error', (err) => this.options.onError?.(err));
    const pollMs = this.options.pollIntervalMs ?? 10_000;
    if (pollMs > 0) {
      this.poll = setInterval(() => this.schedule(onChange), pollMs);
      this.poll.unref();
    }
    return doc;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.debounce);
    clearInterval(this.poll);
    await this.reading;
  }

  private schedule(onChange: (doc: AllowlistDocument) => void): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.reread(onChange), this.options.debounceMs ?? 200);
    this.debounce.unref();
  }

  /** One read at a time, so versions are emitted in the order the file had them. */
  private reread(onChange: (doc: AllowlistDocument) => void): void {
    if (this.reading !== undefined) {
      this.again = true;
      return;
    }
    this.reading = this.readOnce(onChange).finally(() => {
      this.reading = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.reread(onChange);
      }
    });
  }

  private async readOnce(onChange: (doc: AllowlistDocument) => void): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      // Between an editor's unlink and rename the file is briefly missing; the next event reads it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.options.onError?.(err as Error);
      return;
    }
    const doc = this.document(text);
    if (this.stopped || doc.version === this.lastVersion) return;
    this.lastVersion = doc.version;
    onChange(doc);
  }

  private document(text: string): AllowlistDocument {
    return { text, version: createHash('sha1').update(text).digest('hex'), origin: `file:${this.path}` };
  }
}
