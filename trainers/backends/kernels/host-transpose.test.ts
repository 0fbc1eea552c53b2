import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { onBackend, testValues } from '../backends.fixture.ts';
import { selectBackend } from '../select-backend.ts';
import { permuteAxes, rotateFilter } from './host-transpose.ts';

beforeAll(async () => {
  await selectBackend(['wasm'], 1, null);
});

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Runs a host kernel on a tensor and returns an engine tensor that owns the output. */
function runHost(x: tf.Tensor, f: (backend: BackendWasm, info: tf.TensorInfo) => tf.TensorInfo): tf.Tensor {
  const backend = tf.backend() as BackendWasm;
  const out = f(backend, { dataId: x.dataId, shape: x.shape, dtype: x.dtype });
  return tf.engine().makeTensorFromTensorInfo(out);
}

describe('host transposes on the wasm heap', () => {
  // Sizes above the 32-wide tile in two axes so that tile edges are exercised.
  const shape: [number, number, number, number] = [3, 37, 5, 34];
  const values = testValues(shape.reduce((a, b) => a * b), 'permute');

  it.each(permutations([0, 1, 2, 3]).map((p) => [p.join(',')] as const))('permuteAxes(perm %s) equals tf.transpose', (perm) => {
    const p = perm.split(',').map(Number);
    const x = tf.tensor4d(values, shape);
    const got = runHost(x, (b, info) => permuteAxes(b, info, p));
    const want = tf.transpose(x, p);
    expect(got.shape).toEqual(want.shape);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want.dataSync()));
    tf.dispose([x, got, want]);
  });

  it('rotateFilter: out[kh−1−i, kw−1−j, o, c] = w[i, j, c, o]', async () => {
    const values = testValues(3 * 2 * 35 * 33, 'rotate');
    const [want] = await onBackend('cpu', () => [tf.transpose(tf.reverse(tf.tensor4d(values, [3, 2, 35, 33]), [0, 1]), [0, 1, 3, 2])]);
    await tf.setBackend('wasm');
    const w = tf.tensor4d(values, [3, 2, 35, 33]);
    const got = runHost(w, rotateFilter);
    expect(got.shape).toEqual([3, 2, 33, 35]);
    expect(Array.from(got.dataSync())).toEqual(Array.from(want!));
    // One element by hand: w[0, 1, 4, 7] lands at [2, 0, 7, 4].
    const wv = w.arraySync() as number[][][][];
    const gv = got.arraySync() as number[][][][];
    expect(gv[2]![0]![7]![4]).toBe(wv[0]![1]![4]![7]);
    tf.dispose([w, got]);
  });

  it('rejects a perm that does not match the rank, naming shape and perm', () => {
    const x = tf.zeros([2, 3, 4]);
    expect(() => runHost(x, (b, info) => permuteAxes(b, info, [0, 1, 2, 3]))).toThrow(
      'permuteAxes needs a tensor of rank 1 to 4 and a permutation of its axes but got shape [2,3,4] and perm [0,1,2,3]',
    );
    x.dispose();
  });
});
