import type { AllowlistError } from '../../domain/allowlist/allowlist-spec.js';
import { EMPTY_ALLOWLIST } from '../../domain/allowlist/compile-allowlist.js';
import type { CompiledAllowlist } from '../../domain/allowlist/compile-allowlist.js';
import type { AllowlistDocument, AllowlistSource } from '../ports/allowlist-source.js';
import { loadAllowlist } from './load-allowlist.js';

export interface AllowlistRejection {
  readonly version: string;
  readonly origin: string;
  /** ISO 8601. */
  readonly at: string;
  readonly errors: readonly AllowlistError[];
}

export interface AllowlistStatus {
  /** null until a first valid version arrives (until then nothing passes). */
  readonly activeVersion: string | null;
  readonly activeOrigin: string | null;
  /** ISO 8601. */
  readonly activeSince: string | null;
  readonly entries: number;
  readonly lastRejected?: AllowlistRejection;
  readonly rejectedTotal: number;
}

export interface AllowlistSwapped {
  readonly version: string;
  readonly origin: string;
  readonly entries: number;
  readonly previousVersion: string | null;
  readonly at: string;
}

export type OfferOutcome =
  | { readonly outcome: 'activated'; readonly entries: number }
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'rejected'; readonly errors: readonly AllowlistError[] };

export interface AllowlistHolderOptions {
  readonly now?: () => Date;
  /** Called after a new version became active. Runs after the swap: a throwing hook cannot undo it. */
  readonly onSwap?: (event: AllowlistSwapped) => void;
  /** Called when a version is refused; the previous one stays active. */
  readonly onReject?: (event: AllowlistRejection & { readonly activeVersion: string | null }) => void;
}

interface Active {
  readonly compiled: CompiledAllowlist;
  readonly version: string | null;
  readonly origin: string | null;
  readonly since: string | null;
}

/**
 * Holds the active compiled allowlist for the ingest hot path. A new document is parsed, validated and
 * compiled by `offer` (on the source's callback, never inside the decode loop) and then swapped in with one
 * reference assignment, so a reader sees either the old matcher or the new one, never a mixture. An invalid
 * version is refused and the last good one stays active.
 */
export class AllowlistHolder {
  private active: Active = { compiled: EMPTY_ALLOWLIST, version: null, origin: null, since: null };
  private lastRejected: AllowlistRejection | undefined;
  private rejectedTotal = 0;
  private readonly now: () => Date;

  constructor(private readonly options: AllowlistHolderOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  /** The matcher to use; read it once per payload. Lets nothing through before the first valid version. */
  get current(): CompiledAllowlist {
    return this.active.compiled;
  }

  offer(doc: AllowlistDocument): OfferOutcome {
    if (doc.version === this.active.version) return { outcome: 'unchanged' };
    // A source may deliver the same bad version again (reconnects): report it once.
    if (doc.version === this.lastRejected?.version) return { outcome: 'rejected', errors: this.lastRejected.errors };
    const loaded = loadAllowlist(doc.text);
    const at = this.now().toISOString();
    if (!loaded.ok) {
      this.lastRejected = { version: doc.version, origin: doc.origin, at, errors: loaded.errors };
      this.rejectedTotal++;
      this.options.onReject?.({ ...this.lastRejected, activeVersion: this.active.version });
      return { outcome: 'rejected', errors: loaded.errors };
    }
    const previousVersion = this.active.version;
    this.active = { compiled: loaded.compiled, version: doc.version, origin: doc.origin, since: at };
    const entries = loaded.compiled.shape.entries;
    this.options.onSwap?.({ version: doc.version, origin: doc.origin, entries, previousVersion, at });
    return { outcome: 'activated', entries };
  }

  /**
   * Starts the source and offers its current document, then every later one. A version pushed while `start`
   * was settling is newer than the initial document, which is then offered only if nothing valid is active.
   * `onActivated` receives each document that became active (e.g. to save it as the last-good snapshot).
   */
  async follow(source: AllowlistSource, onActivated?: (doc: AllowlistDocument) => void): Promise<OfferOutcome> {
    const offer = (doc: AllowlistDocument): OfferOutcome => {
      const outcome = this.offer(doc);
      if (outcome.outcome === 'activated') onActivated?.(doc);
      return outcome;
    };
    let pushed = false;
    const initial = await source.start((doc) => {
      pushed = true;
      offer(doc);
    });
    if (!pushed || this.active.version === null) return offer(initial);
    return { outcome: 'unchanged' };
  }

  status(): AllowlistStatus {
    const { version, origin, since, compiled } = this.active;
    return {
      activeVersion: version,
      activeOrigin: origin,
      activeSince: since,
      entries: compiled.shape.entries,
      ...(this.lastRejected !== undefined && { lastRejected: this.lastRejected }),
      rejectedTotal: this.rejectedTotal,
    };
  }
}
