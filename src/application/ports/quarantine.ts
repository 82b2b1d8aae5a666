/** A line that could not be decoded, kept for inspection (where it came from, and why it was refused). */
export interface QuarantinedLine {
  readonly raw: string;
  /** The decoder's bad-line reason. */
  readonly reason: string;
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset of the message that held the line (a string, as Kafka clients give it). */
  readonly offset: string;
  /** Epoch ms when it was quarantined. */
  readonly at: number;
}

export interface QuarantineEntry extends QuarantinedLine {
  /** Stable id, usable as the `before` cursor. */
  readonly id: string;
  /** True when `raw` was cut to the size limit; `rawBytes` is then the original UTF-8 length. */
  readonly truncated: boolean;
  readonly rawBytes: number;
}

export interface QuarantinePage {
  /** Newest first. */
  readonly entries: QuarantineEntry[];
  /** Pass as `before` for the next (older) page; absent when there is none. */
  readonly next?: string;
}

/**
 * Bad lines kept for inspection: bounded (the oldest fall off), so it can never grow without limit however bad
 * the stream gets. Counting bad lines is the catalog's job; this keeps samples of them.
 */
export interface Quarantine {
  add(entries: readonly QuarantinedLine[]): Promise<void>;
  list(opts: { limit: number; before?: string }): Promise<QuarantinePage>;
  count(): Promise<number>;
}
