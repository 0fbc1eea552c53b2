import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, onBackend, testValues } from '../backends.fixture.ts';
import { selectBackend } from '../select-backend.ts';

beforeAll(async () => {
  await selectBackend(['wasm'], 1, null);
});

describe('MaxPoolGrad on wasm against the cpu backend', () => {
  const cases: [string, [number, number, number, number], number, number, 'valid' | 'same'][] = [
    ['LeNet-5 2×2/2 valid', [3, 24, 24, 20], 2, 2, 'valid'],
    ['odd size 2×2/2 valid', [2, 9, 7, 3], 2, 2, 'valid'],
    ['overlapping 3×3/2 same', [2, 9, 8, 4], 3, 2, 'same'],
    ['3×3/1 same', [1, 6, 5, 2], 3, 1, 'same'],
  ];
  it.each(cases)('%s', async (_name, shape, k, s, pad) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const make = () => {
      // ReLU first, as in LeNet: many all-zero windows, whose gradient goes to the first position.
      const x = tf.relu(tf.tensor4d(testValues(size, 'pool', shape.join()), shape));
      const y = tf.maxPool(x, k, s, pad);
      const r = tf.tensor(testValues(y.size, 'pool-r', shape.join()), y.shape);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, k, s, pad), r)))(x)];
    };
    const cpu = await onBackend('cpu', make);
    const wasm = await onBackend('wasm', make);
    const { maxAbsDiff, scale } = compare(wasm[0]!, cpu[0]!);
    expect(scale).toBeGreaterThan(0.5);
    // Each dx element sums at most ⌈k/s⌉² dy values: equal up to one rounding per overlap.
    expect(maxAbsDiff).toBeLessThanOrEqual(k > s ? 1e-6 : 0);
  });

  it('gives a window of equal values its gradient once, at the first position', async () => {
    const [dx] = await onBackend('wasm', () => {
      const x = tf.zeros([1, 2, 4, 1]);
      return [tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), tf.tensor4d([5, 7], [1, 1, 2, 1]))))(x)];
    });
    expect(Array.from(dx!)).toEqual([5, 0, 7, 0, 0, 0, 0, 0]);
  });
});
