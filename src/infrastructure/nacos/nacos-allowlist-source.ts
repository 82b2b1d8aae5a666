import { pino, type Logger } from 'pino';
import type { AllowlistDocument, AllowlistSource } from '../../application/ports/allowlist-source.js';
import { readSnapshot, writeSnapshot } from './allowlist-snapshot.js';
import { contentMd5, createNacosClient, describeNacosError, type NacosConnectionOptions, type NacosHandle } from './nacos-client.js';

export interface NacosAllowlistSourceOptions extends NacosConnectionOptions {
  /** Where the last accepted version is kept (written by saveSnapshot, read when Nacos is down at start). */
  readonly snapshotPath: string;
  readonly log?: Logger;
}

export type AllowlistSourceErrorCode = 'ALLOWLIST.SOURCE_UNAVAILABLE' | 'ALLOWLIST.MISSING';

export class AllowlistSourceError extends Error {
  constructor(
    readonly code: AllowlistSourceErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'AllowlistSourceError';
  }
}

// Nacos errors repeat every few seconds while it is down: warn at most this often.
const WARN_EVERY_MS = 30_000;

/**
 * The allowlist as a Nacos config, followed by long polling (the client's DataClient: no 7777 cluster socket).
 *
 * - `start` resolves with the config's current text. When Nacos is unreachable, or the config is missing there,
 *   it resolves with the snapshot if one exists (`origin: snapshot:<path>`) and keeps polling in the background,
 *   so a later version still arrives through `onChange`; with no snapshot it rejects with AllowlistSourceError.
 * - `onChange` fires once per new text (same md5 as the last delivered or the snapshot: not delivered again).
 *   A config deleted in Nacos is logged and ignored: the current allowlist stays.
 * - Validation is the holder's job. After it has swapped a version in, the caller calls `saveSnapshot(doc)` so
 *   that only accepted versions are ever used for a cold start.
 */
export class NacosAllowlistSource implements AllowlistSource {
  private readonly log: Logger;
  private readonly origin: string;
  private handle: NacosHandle | undefined;
  private lastVersion: string | undefined;
  private lastWarnAt = 0;

  constructor(private readonly options: NacosAllowlistSourceOptions) {
    this.origin = `nacos:${options.group}/${options.dataId}`;
    this.log = (options.log ?? pino({ level: 'info' })).child({ module: 'nacos-allowlist-source', origin: this.origin });
  }

  async start(onChange: (doc: AllowlistDocument) => void): Promise<AllowlistDocument> {
    if (this.handle) throw new Error('NacosAllowlistSource already started');
    const { serverAddr, group, dataId, snapshotPath } = this.options;
    const handle = createNacosClient(this.options, (err) => this.warnThrottled(err));

    let text: string | null = null;
    let failure: string | undefined;
    try {
      text = await handle.client.getConfig(dataId, group, {});
    } catch (err) {
      failure = describeNacosError(err, [this.options.password]).message;
    }

    let doc: AllowlistDocument;
    if (text) {
      doc = { text, version: contentMd5(text), origin: this.origin };
    } else {
      const why = failure === undefined
        ? `config dataId=${dataId} group=${group} does not exist (or is empty) on Nacos ${serverAddr}`
        : `Nacos ${serverAddr} unreachable for dataId=${dataId} group=${group}: ${failure}`;
      const snapshot = await readSnapshot(snapshotPath);
      if (snapshot === undefined) {
        handle.close();
        throw new AllowlistSourceError(
          failure === undefined ? 'ALLOWLIST.MISSING' : 'ALLOWLIST.SOURCE_UNAVAILABLE',
          `no allowlist: ${why}, and no snapshot at ${snapshotPath}`,
          failure !== undefined,
        );
      }
      this.log.warn({ reason: why, snapshotPath }, 'starting from the allowlist snapshot; still following Nacos');
      doc = { text: snapshot, version: contentMd5(snapshot), origin: `snapshot:${snapshotPath}` };
    }

    this.handle = handle;
    this.lastVersion = doc.version;
    // The subscription re-reads the config at once: a change made since the read above is not missed.
    handle.client.subscribe({ dataId, group }, (content: string | null) => this.receive(content, onChange));
    return doc;
  }

  /** Keep `doc` as the cold-start fallback; call it only for versions the holder accepted. */
  async saveSnapshot(doc: AllowlistDocument): Promise<void> {
    await writeSnapshot(this.options.snapshotPath, doc.text);
  }

  async stop(): Promise<void> {
    this.handle?.close();
    this.handle = undefined;
  }

  private receive(content: string | null, onChange: (doc: AllowlistDocument) => void): void {
    if (!this.handle) return;
    if (!content) {
      this.log.warn('allowlist config missing or empty in Nacos; keeping the current allowlist');
      return;
    }
    const version = contentMd5(content);
    if (version === this.lastVersion) return;
    this.lastVersion = version;
    this.log.info({ version }, 'allowlist version received');
    try {
      onChange({ text: content, version, origin: this.origin });
    } catch (err) {
      this.log.error({ err, version }, 'allowlist change handler failed');
    }
  }

  private warnThrottled(err: unknown): void {
    const now = Date.now();
    const level = now - this.lastWarnAt >= WARN_EVERY_MS ? 'warn' : 'debug';
    if (level === 'warn') this.lastWarnAt = now;
    this.log[level]({ err: describeNacosError(err, [this.options.password]) }, 'nacos request failed; retrying');
  }
}
