/**
 * CheckpointIO backed by a store (trainers/train-api.ts). A save must leave the previous
 * checkpoint loadable if the process dies half-way, on a local folder and on S3 alike, where
 * nothing is renamed atomically across several objects. So every save writes a new generation:
 *
 *   runs/<runId>/checkpoint/g<N>/<name>   the files of generation N
 *   runs/<runId>/checkpoint/COMPLETE      JSON marker {generation, files: name → {sha256, bytes},
 *                                         eventsBytes}, written (atomically) after all files
 *
 * and only then deletes older generations. A crash before the marker leaves the old marker
 * pointing at the old, intact generation; a crash after it leaves stale generations that the next
 * save removes. Loading verifies every file against the marker (CheckpointError, exit 3, naming the
 * file and both hashes).
 *
 * `eventsBytes` records how long events.jsonl was at the save, so a resumed run first cuts off the
 * events written after the checkpoint it resumes from and no epoch is logged twice.
 */
import { CheckpointError } from '../trainers/errors.ts';
import type { CheckpointFiles, CheckpointIO } from '../trainers/train-api.ts';
import { sha256Hex } from './manifest/canonical.ts';
import { CHECKPOINT_MARKER, CHECKPOINT_PREFIX, decodeText, encodeText, runKey } from './run-store.ts';
import { checkKey } from './store/keys.ts';
import type { Store } from './store/types.ts';

export interface CheckpointMarker {
  schemaVersion: 1;
  generation: number;
  savedAt: string;
  /** Length in bytes of events.jsonl when the checkpoint was saved. */
  eventsBytes: number;
  /** The trainer that saved it; another trainer version does not resume from it. */
  trainerVersion: string | null;
  files: Record<string, { sha256: string; bytes: number }>;
}

export class StoreCheckpoints implements CheckpointIO {
  /**
   * @param beforeSave flushes pending events and returns the length of events.jsonl, recorded in
   *   the marker.
   */
  constructor(
    private readonly store: Store,
    private readonly runId: string,
    private readonly beforeSave: () => Promise<number> = async () => 0,
    private readonly trainerVersion: string | null = null,
  ) {}

  private key(name: string): string {
    return runKey(this.runId, `${CHECKPOINT_PREFIX}${name}`);
  }

  /** The marker of the latest complete checkpoint, or null. */
  async marker(): Promise<CheckpointMarker | null> {
    const bytes = await this.store.get(runKey(this.runId, CHECKPOINT_MARKER));
    if (bytes === null) return null;
    let marker: CheckpointMarker;
    try {
      marker = JSON.parse(decodeText(bytes, CHECKPOINT_MARKER)) as CheckpointMarker;
    } catch (error) {
      throw new CheckpointError(`${this.key('COMPLETE')} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
    if (!Number.isInteger(marker.generation) || marker.generation < 1 || marker.files === null || typeof marker.files !== 'object' || !Number.isInteger(marker.eventsBytes)) {
      throw new CheckpointError(`${this.key('COMPLETE')} is not a checkpoint marker (generation, files, eventsBytes)`);
    }
    return marker;
  }

  async load(): Promise<CheckpointFiles | null> {
    const marker = await this.marker();
    if (marker === null) return null;
    const files: CheckpointFiles = {};
    for (const [name, expected] of Object.entries(marker.files)) {
      const key = this.key(`g${marker.generation}/${name}`);
      const bytes = await this.store.get(key);
      if (bytes === null) throw new CheckpointError(`checkpoint file ${key} listed in ${this.key('COMPLETE')} is missing`);
      const actual = sha256Hex(bytes);
      if (actual !== expected.sha256 || bytes.length !== expected.bytes) {
        throw new CheckpointError(`checkpoint file ${key} is corrupt: the marker records sha256 ${expected.sha256} (${expected.bytes} bytes), the bytes hash to ${actual} (${bytes.length} bytes)`);
      }
      files[name] = bytes;
    }
    return files;
  }

  async save(files: CheckpointFiles): Promise<void> {
    // A new generation number, above the marker's and above any a crashed save left behind, so
    // no file of an earlier attempt is ever mistaken for one of this save.
    const previous = await this.marker().catch(() => null);
    const existing = (await this.store.list(runKey(this.runId, CHECKPOINT_PREFIX)))
      .map((key) => /\/checkpoint\/g(\d+)\//.exec(key)?.[1])
      .filter((g): g is string => g !== undefined)
      .map(Number);
    const generation = Math.max(previous?.generation ?? 0, ...existing) + 1;
    const entries: CheckpointMarker['files'] = {};
    for (const [name, bytes] of Object.entries(files)) {
      checkKey(name, 'checkpoint file name');
      await this.store.put(this.key(`g${generation}/${name}`), bytes);
      entries[name] = { sha256: sha256Hex(bytes), bytes: bytes.length };
    }
    const eventsBytes = await this.beforeSave();
    const marker: CheckpointMarker = { schemaVersion: 1, generation, savedAt: new Date().toISOString(), eventsBytes, trainerVersion: this.trainerVersion, files: entries };
    await this.store.put(runKey(this.runId, CHECKPOINT_MARKER), encodeText(`${JSON.stringify(marker)}\n`));
    // Older generations (the previous one, and any a crash left behind) go only now.
    const keys = await this.store.list(runKey(this.runId, CHECKPOINT_PREFIX));
    const current = this.key(`g${generation}/`);
    for (const key of keys) {
      if (key !== runKey(this.runId, CHECKPOINT_MARKER) && !key.startsWith(current)) await this.store.delete(key);
    }
  }

  /** Remove the checkpoint (the run completed, failed or starts over). */
  async clear(): Promise<void> {
    await this.store.deletePrefix(runKey(this.runId, CHECKPOINT_PREFIX));
  }
}
