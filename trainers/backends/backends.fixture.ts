/** Test helpers: run the same computation on two backends and compare within float32 tolerance. */
import * as tf from '@tensorflow/tfjs-core';
import { keyedRandom } from '../random.ts';

/** Deterministic values in [−1, 1) for tests. */
export function testValues(size: number, ...key: (string | number)[]): Float32Array {
  const rng = keyedRandom('test', ...key);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniform(-1, 1);
  return out;
}

/** Runs `f` with `backend` active and returns its outputs as plain arrays. */
export async function onBackend(backend: string, f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(f).map((t) => {
    const data = t.dataSync() as Float32Array;
    t.dispose();
    return Float32Array.from(data);
  });
}

/** max |a − b| and max |b| (the scale), for a tolerance relative to the reference's size. */
export function compare(got: Float32Array, want: Float32Array): { maxAbsDiff: number; scale: number } {
  if (got.length !== want.length) throw new Error(`length ${got.length} != ${want.length}`);
  let maxAbsDiff = 0;
  let scale = 0;
  for (let i = 0; i < got.length; i++) {
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return { maxAbsDiff, scale };
}

/**
 * Float32 tolerance for sums of `terms` products of values of magnitude ~`scale`: a few ulps per
 * accumulated term, relative to the output's scale (different summation orders on two backends).
 */
export function float32Tolerance(scale: number, terms: number): number {
  return Math.max(scale, 1) * 2 ** -23 * 4 * Math.sqrt(terms) + 1e-7;
}
