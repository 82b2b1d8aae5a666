/** Why an engine call failed, in terms a caller can act on. */
export type EngineErrorKind =
  | 'unavailable' // network error, connection reset, 502/503/504, timeout
  | 'rate_limited' // 429 (HTTP or envelope); retryAfterMs when the engine said
  | 'server' // 5xx inside the engine
  | 'auth' // credentials rejected (after the one re-login)
  | 'rejected' // the engine refused the request (validation, 413 after splitting, 403): retrying will not help
  | 'contract'; // the response did not have the shape we expect: the field is named in the message

export class EngineError extends Error {
  readonly code: string;
  constructor(
    readonly kind: EngineErrorKind,
    message: string,
    readonly retryable: boolean,
    readonly details: { status?: number; engineCode?: number; retryAfterMs?: number; field?: string } = {},
  ) {
    super(message);
    this.name = 'EngineError';
    this.code = `ENGINE.${kind.toUpperCase()}`;
  }
}

export const isEngineError = (e: unknown): e is EngineError => e instanceof EngineError;
