import type { DomainEvent, RecordedEvent } from '../ports/event-store.js';

/**
 * What a projection made of one page of its log. `handled` counts the leading events of the page that are done
 * (their effect is stored or delivered); the runner checkpoints exactly those. `wait` asks the runner to pause
 * before reading on from the checkpoint (a sink that is down, a Retry-After): the rest waits in the log.
 */
export interface PageResult {
  readonly handled: number;
  readonly wait?: { readonly ms: number; readonly reason: string };
}

/**
 * A projection the runner drives: pure where it can be (alarm-view folds with a pure `evolve`), with whatever
 * I/O it needs in `handle`. `handle` gets only events `canHandle` accepted, in log order, and should return soon
 * after `signal` aborts (lease lost or stopping), counting only what it finished.
 */
export interface Projection<E extends DomainEvent = DomainEvent> {
  /** Checkpoint and lease name: `alarm-view`, `alarm-delivery:webhook`. */
  readonly name: string;
  /** The category log it reads (`alarm`). */
  readonly category: string;
  canHandle(event: RecordedEvent): boolean;
  handle(events: readonly RecordedEvent<E>[], signal: AbortSignal): Promise<PageResult>;
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects). */
export const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
