import type { Logger } from 'pino';
import type { DomainEvent, EventStore, RecordedEvent } from '../ports/event-store.js';
import type { Lease } from '../ports/lease.js';
import type { ProjectionCheckpoints } from '../ports/projection-checkpoints.js';
import { sleep, type Projection } from './projection.js';

export interface ProjectionRunnerOptions {
  readonly projection: Projection;
  readonly store: Pick<EventStore, 'readCategory'>;
  readonly checkpoints: ProjectionCheckpoints;
  readonly lease: Lease;
  /** This replica's id in the lease (unique per process). */
  readonly owner: string;
  readonly log: Logger;
  readonly pageSize?: number;
  /** A dead owner's lease lapses after this; another replica takes over within ttl + acquireRetryMs. */
  readonly leaseTtlMs?: number;
  readonly renewEveryMs?: number;
  /** Pause between tries to take a lease someone else holds. */
  readonly acquireRetryMs?: number;
  /** Pause when the log has nothing new. */
  readonly idleMs?: number;
  /** Pause after an unexpected error (Redis down) before starting over. */
  readonly errorPauseMs?: number;
  /**
   * How long `stop` waits for the loop to end (default the lease TTL, at least 5 s). A loop still waiting after
   * that — a call that ignores the abort and never settles — is left behind with an error naming what it waits on,
   * so that a shutdown never hangs on it; its lease lapses after the TTL.
   */
  readonly stopTimeoutMs?: number;
  /** Called after each checkpoint write with how many events it covered. */
  readonly onAdvance?: (events: number, position: string) => void;
  readonly onOwnership?: (owned: boolean) => void;
}

/**
 * Runs one projection on one replica at a time: take the lease, then page through the category log after the
 * checkpoint, hand each page to the projection and advance the checkpoint over what it finished, with
 * compare-and-set. A refused compare-and-set means someone else wrote the checkpoint (a replica that took a lapsed
 * lease): this runner stops at once, gives the lease back and competes for it again.
 */
export class ProjectionRunner {
  private readonly o: Required<Omit<ProjectionRunnerOptions, 'onAdvance' | 'onOwnership'>> & ProjectionRunnerOptions;
  private readonly stopping = new AbortController();
  private owned: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** What the loop is waiting on, for the error `stop` logs when it does not end in time. */
  private phase = 'not started';

  constructor(options: ProjectionRunnerOptions) {
    const leaseTtlMs = options.leaseTtlMs ?? 10_000;
    this.o = {
      pageSize: 500,
      leaseTtlMs,
      renewEveryMs: Math.max(1, Math.floor(leaseTtlMs / 3)),
      acquireRetryMs: 1_000,
      idleMs: 250,
      errorPauseMs: 1_000,
      stopTimeoutMs: Math.max(5_000, leaseTtlMs),
      ...options,
    };
  }

  get name(): string {
    return this.o.projection.name;
  }

  /** True while this replica holds the lease and runs the projection. */
  isOwner(): boolean {
    return this.owned !== undefined && !this.owned.signal.aborted;
  }

  start(): void {
    this.loop ??= this.compete(false);
  }

  /** Stops after the page under way, releasing the lease so another replica can take over at once. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.owned?.abort();
    if (this.loop === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), this.o.stopTimeoutMs)));
    const gaveUp = await Promise.race([this.loop.then(() => false), late]);
    clearTimeout(timer);
    if (gaveUp) {
      this.o.log.error({ projection: this.name, owner: this.o.owner, waitingOn: this.phase, afterMs: this.o.stopTimeoutMs }, 'projection did not stop in time; left behind');
    }
  }

  /**
   * Takes the lease (waiting while someone holds it), reads until the log has nothing new, releases it.
   * For `projections rebuild` and tests; `false` when `timeoutMs` passed first.
   */
  async catchUp(timeoutMs: number): Promise<boolean> {
    const timer = setTimeout(() => this.stopping.abort(), timeoutMs);
    try {
      this.loop = this.compete(true);
      await this.loop;
      return !this.stopping.signal.aborted;
    } finally {
      clearTimeout(timer);
    }
  }

  private async compete(once: boolean): Promise<void> {
    const { lease, owner, log } = this.o;
    while (!this.stopping.signal.aborted) {
      this.phase = 'lease acquire';
      const got = await lease.acquire(this.name, owner, this.o.leaseTtlMs).catch((err: unknown) => {
        log.warn({ err, projection: this.name }, 'lease acquire failed');
        return false;
      });
      if (!got) {
        this.phase = 'pause before the next acquire';
        await sleep(this.o.acquireRetryMs, this.stopping.signal);
        continue;
      }
      const owned = new AbortController();
      this.owned = owned;
      const onStop = (): void => owned.abort();
      this.stopping.signal.addEventListener('abort', onStop, { once: true });
      const renewer = this.keepRenewing(owned);
      log.info({ projection: this.name, owner }, 'projection lease taken');
      this.o.onOwnership?.(true);
      let caughtUp = false;
      try {
        caughtUp = await this.runOwned(owned.signal, once);
      } catch (err) {
        log.error({ err, projection: this.name }, 'projection failed; starting over');
        this.phase = 'pause after an error';
        await sleep(this.o.errorPauseMs, this.stopping.signal);
      } finally {
        owned.abort();
        clearInterval(renewer);
        this.stopping.signal.removeEventListener('abort', onStop);
        this.owned = undefined;
        this.o.onOwnership?.(false);
        this.phase = 'lease release';
        await lease.release(this.name, owner).catch((err: unknown) => log.warn({ err, projection: this.name }, 'lease release failed'));
      }
      if (once && caughtUp) return;
    }
    this.phase = 'stopped';
  }

  /** Renews on a timer; gives up ownership when the lease is lost, or unconfirmed for a whole TTL (Redis down). */
  private keepRenewing(owned: AbortController): NodeJS.Timeout {
    let confirmedAt = Date.now();
    return setInterval(() => {
      this.o.lease.renew(this.name, this.o.owner, this.o.leaseTtlMs).then(
        (ok) => {
          if (ok) confirmedAt = Date.now();
          else if (!owned.signal.aborted) {
            this.o.log.warn({ projection: this.name, owner: this.o.owner }, 'projection lease lost');
            owned.abort();
          }
        },
        (err: unknown) => {
          if (Date.now() - confirmedAt >= this.o.leaseTtlMs && !owned.signal.aborted) {
            this.o.log.warn({ err, projection: this.name }, 'projection lease unconfirmed for a whole TTL; stepping down');
            owned.abort();
          }
        },
      );
    }, this.o.renewEveryMs);
  }

  /** Pages until the lease is lost or stopping (or, with `once`, until the log is drained); true when drained. */
  private async runOwned(signal: AbortSignal, once: boolean): Promise<boolean> {
    const { projection, store, checkpoints, log } = this.o;
    while (!signal.aborted) {
      // Read every page: a rebuild may have reset it, and then this owner starts over from there.
      this.phase = 'checkpoint read';
      const from = await checkpoints.read(this.name);
      this.phase = 'log read';
      const page = await store.readCategory<DomainEvent>(projection.category, { after: from, maxCount: this.o.pageSize });
      if (page.length === 0) {
        if (once) return true;
        this.phase = 'idle';
        await sleep(this.o.idleMs, signal);
        continue;
      }
      const wanted = page.filter((e) => projection.canHandle(e));
      this.phase = `handle (${projection.name}, ${wanted.length} events)`;
      const result = wanted.length > 0 ? await projection.handle(wanted, signal) : { handled: 0 };
      const upTo = lastDone(page, wanted, result.handled, from);
      if (upTo !== from && upTo !== null) {
        this.phase = 'checkpoint advance';
        if (!(await checkpoints.compareAndSet(this.name, from, upTo))) {
          log.warn({ projection: this.name, expected: from, next: upTo }, 'checkpoint moved under us (another owner); stepping down');
          return false;
        }
        this.o.onAdvance?.(countThrough(page, upTo), upTo);
      }
      if (result.wait) {
        this.phase = `wait (${result.wait.reason})`;
        await sleep(result.wait.ms, signal);
      }
    }
    return false;
  }
}

/** Position of the last page event that is done: everything before the first unhandled wanted event. */
function lastDone(page: readonly RecordedEvent[], wanted: readonly RecordedEvent[], handled: number, from: string | null): string | null {
  if (handled >= wanted.length) return page[page.length - 1]?.position ?? from;
  const firstOpen = page.indexOf(wanted[handled] as RecordedEvent);
  return firstOpen > 0 ? (page[firstOpen - 1] as RecordedEvent).position : from;
}

const countThrough = (page: readonly RecordedEvent[], position: string): number => page.findIndex((e) => e.position === position) + 1;
