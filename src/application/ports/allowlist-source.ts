/** One version of the allowlist document as its source holds it (YAML text, not yet validated). */
export interface AllowlistDocument {
  readonly text: string;
  /** Content hash or source version; equal versions mean equal text. */
  readonly version: string;
  /** Where it came from, for logs and status: `nacos:<group>/<dataId>`, `snapshot:<path>`, `file:<path>`. */
  readonly origin: string;
}

/**
 * Where the metric allowlist lives (Nacos in production, a local file as the embedded default).
 * `start` resolves with the current document (or rejects with a clear message when none can be had), then
 * calls `onChange` for every later version. Validation is not the source's job: the holder rejects bad versions.
 */
export interface AllowlistSource {
  start(onChange: (doc: AllowlistDocument) => void): Promise<AllowlistDocument>;
  stop(): Promise<void>;
}
