/**
 * The store contract (design.md "Results (store layout)"). A store holds runs under `runs/<runId>/`:
 * manifest.json, events.jsonl, summary.json, checkpoint/..., SHA256SUMS (written last: a run
 * without it is unfinished) and optionally SHA256SUMS.sig. The local folder store
 * (harness/store/local.ts) and the S3 store (harness/store/s3.ts) both implement it.
 *
 * Keys are '/'-separated paths relative to the store root; implementations reject keys that would
 * leave the root (`..`, absolute paths, backslashes, NUL).
 */
export interface Store {
  /** Human-readable location without credentials, e.g. "file:///abs/results" or "s3://bucket/prefix". */
  readonly uri: string;
  /** The object's bytes, or null when absent. */
  get(key: string): Promise<Uint8Array | null>;
  /** Write the whole object; readers never see a partial object (atomic rename / single PUT). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Append to an object (events.jsonl); the local store appends, S3 rewrites. */
  append(key: string, bytes: Uint8Array): Promise<void>;
  /** Keys under a prefix (recursive), sorted. */
  list(prefix: string): Promise<string[]>;
  /** Delete one object; absent is fine. */
  delete(key: string): Promise<void>;
  /** Delete everything under a prefix. */
  deletePrefix(prefix: string): Promise<void>;
}
