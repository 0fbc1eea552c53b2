import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, float32Tolerance, onBackend, testValues } from './backends.fixture.ts';
import { denseMatMul } from './dense-matmul.ts';
import { selectBackend } from './select-backend.ts';

beforeAll(async () => {
  await selectBackend(['wasm'], 1, null);
});

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [5, 7, 3],
  [128, 784, 300],
  [33, 100, 10],
];

/** Value, dL/dx and dL/dw of L = Σ (x·w) ⊙ R through `mm`. */
function valueAndGrads(mm: (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D, [n, k, m]: [number, number, number]): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor2d(testValues(n * k, 'x', n, k), [n, k]);
    const w = tf.tensor2d(testValues(k * m, 'w', k, m), [k, m]);
    const r = tf.tensor2d(testValues(n * m, 'r', n, m), [n, m]);
    const f = (...[a, b]: tf.Tensor[]) => tf.sum(tf.mul(mm(a as tf.Tensor2D, b as tf.Tensor2D), r));
    const { value, grads } = tf.valueAndGrads(f)([x, w]);
    return [mm(x, w), value, ...grads];
  };
}

describe('denseMatMul', () => {
  for (const backend of ['wasm', 'cpu']) {
    it.each(SHAPES.map((s) => [s.join('×'), s] as const))(`${backend}: %s matches tf.matMul and its gradients`, async (_n, shape) => {
      const want = await onBackend(backend, valueAndGrads((x, w) => tf.matMul(x, w), shape));
      const got = await onBackend(backend, valueAndGrads((x, w) => denseMatMul(x, w), shape));
      const [n, k, m] = shape;
      const terms = [k, n * m, m, n]; // product, loss, dx (sums over m), dw (sums over n)
      got.forEach((g, i) => {
        const { maxAbsDiff, scale } = compare(g, want[i]!);
        expect(maxAbsDiff).toBeLessThanOrEqual(float32Tolerance(scale, terms[i]!));
      });
    });
  }

  it('checks against a hand-computed product and gradient', async () => {
    const [y, dx, dw] = await onBackend('wasm', () => {
      const x = tf.tensor2d([[1, 2]]);
      const w = tf.tensor2d([[3, 4, 5], [6, 7, 8]]);
      const g = tf.grads((...[a, b]: tf.Tensor[]) => tf.sum(denseMatMul(a as tf.Tensor2D, b as tf.Tensor2D)))([x, w]);
      return [denseMatMul(x, w), ...g];
    });
    expect(Array.from(y!)).toEqual([15, 18, 21]); // [1·3+2·6, 1·4+2·7, 1·5+2·8]
    expect(Array.from(dx!)).toEqual([12, 21]); // row sums of w
    expect(Array.from(dw!)).toEqual([1, 1, 1, 2, 2, 2]); // xᵀ · ones
  });

  it('with inputGradient false gives the same dw and a zero dx', async () => {
    const [dx, dw] = await onBackend('wasm', () => {
      const x = tf.tensor2d([[1, 2]]);
      const w = tf.tensor2d([[3, 4, 5], [6, 7, 8]]);
      return tf.grads((...[a, b]: tf.Tensor[]) => tf.sum(denseMatMul(a as tf.Tensor2D, b as tf.Tensor2D, { inputGradient: false })))([x, w]);
    });
    expect(Array.from(dx!)).toEqual([0, 0]);
    expect(Array.from(dw!)).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it('leaves no tensor behind in a gradient computation', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor2d(testValues(12, 'leak-x'), [3, 4]);
    const w = tf.variable(tf.tensor2d(testValues(8, 'leak-w'), [4, 2]));
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => tf.sum(denseMatMul(x, w as unknown as tf.Tensor2D)), [w]);
    expect(tf.memory().numTensors).toBe(before + 2);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });

  it('rejects mismatched inner dimensions, naming both shapes', () => {
    const x = tf.zeros([2, 3]) as tf.Tensor2D;
    const w = tf.zeros([4, 5]) as tf.Tensor2D;
    expect(() => denseMatMul(x, w)).toThrow("inner dimensions passed to denseMatMul() must match but got x [2,3] and w [4,5]");
    tf.dispose([x, w]);
  });
});
