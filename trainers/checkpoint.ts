/**
 * Checkpoint packing: named float32 arrays and 0/1 masks plus a JSON state, as two files
 * ("state.json" and "tensors.bin") that the harness stores under runs/<runId>/checkpoint/.
 *
 * tensors.bin is the concatenation of the arrays' raw little-endian bytes; state.json carries an
 * index (name, dtype, shape, byte offset, byte length) and the sha256 of tensors.bin, so a torn or
 * corrupted checkpoint is detected on load instead of silently resuming from garbage.
 */
import { createHash } from 'node:crypto';
import { CheckpointError } from './errors.ts';
import type { CheckpointFiles } from './train-api.ts';

export const CHECKPOINT_FORMAT_VERSION = 1;

interface ArrayEntry {
  name: string;
  dtype: 'float32' | 'uint8';
  shape: number[];
  byteOffset: number;
  byteLength: number;
}

interface StateFile<S> {
  formatVersion: number;
  tensorsSha256: string;
  arrays: ArrayEntry[];
  state: S;
}

export interface CheckpointArray {
  name: string;
  shape: number[];
  data: Float32Array | Uint8Array;
}

export interface UnpackedCheckpoint<S> {
  state: S;
  arrays: Map<string, CheckpointArray>;
}

export function packCheckpoint<S>(state: S, arrays: readonly CheckpointArray[]): CheckpointFiles {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  for (const a of arrays) {
    const byteLength = a.data.byteLength;
    entries.push({
      name: a.name,
      dtype: a.data instanceof Float32Array ? 'float32' : 'uint8',
      shape: a.shape,
      byteOffset: offset,
      byteLength,
    });
    offset += byteLength;
    offset += (4 - (offset % 4)) % 4; // keep float32 views aligned
  }
  const bin = new Uint8Array(offset);
  arrays.forEach((a, i) => {
    bin.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), entries[i]!.byteOffset);
  });
  const file: StateFile<S> = {
    formatVersion: CHECKPOINT_FORMAT_VERSION,
    tensorsSha256: createHash('sha256').update(bin).digest('hex'),
    arrays: entries,
    state,
  };
  return {
    'state.json': new TextEncoder().encode(JSON.stringify(file)),
    'tensors.bin': bin,
  };
}

export function unpackCheckpoint<S>(files: CheckpointFiles): UnpackedCheckpoint<S> {
  const stateBytes = files['state.json'];
  const bin = files['tensors.bin'];
  if (stateBytes === undefined || bin === undefined) {
    throw new CheckpointError(
      `checkpoint is incomplete: expected state.json and tensors.bin, found ${Object.keys(files).sort().join(', ') || 'nothing'}`,
    );
  }
  let file: StateFile<S>;
  try {
    file = JSON.parse(new TextDecoder().decode(stateBytes)) as StateFile<S>;
  } catch (cause) {
    throw new CheckpointError('checkpoint state.json is not valid JSON', { cause });
  }
  if (file.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(
      `checkpoint format version ${String(file.formatVersion)} is not supported (expected ${CHECKPOINT_FORMAT_VERSION})`,
    );
  }
  const actual = createHash('sha256').update(bin).digest('hex');
  if (actual !== file.tensorsSha256) {
    throw new CheckpointError(
      `checkpoint tensors.bin is corrupt: sha256 ${actual}, expected ${file.tensorsSha256}`,
    );
  }
  // Copy into an aligned buffer so float32 views are valid whatever the source's byteOffset.
  const aligned = new Uint8Array(bin.byteLength);
  aligned.set(bin);
  const arrays = new Map<string, CheckpointArray>();
  for (const e of file.arrays) {
    if (e.byteOffset + e.byteLength > aligned.byteLength) {
      throw new CheckpointError(`checkpoint entry '${e.name}' lies outside tensors.bin`);
    }
    const data =
      e.dtype === 'float32'
        ? new Float32Array(aligned.buffer, e.byteOffset, e.byteLength / 4)
        : new Uint8Array(aligned.buffer, e.byteOffset, e.byteLength);
    arrays.set(e.name, { name: e.name, shape: e.shape, data });
  }
  return { state: file.state, arrays };
}
