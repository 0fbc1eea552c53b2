import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, float32Tolerance, testValues } from '../backends/backends.fixture.ts';
import { selectBackend } from '../backends/select-backend.ts';
import { TrainerInvariantError } from '../errors.ts';
import { addChannelBias, batchNorm, channelSum, dropout, type VariableLookup } from './ops.ts';

beforeAll(async () => {
  await selectBackend(['cpu'], 1, null);
});

function lookup(channels: number, gamma: number[], beta: number[]): VariableLookup & { dispose(): void } {
  const params = new Map([
    ['bn.gamma', tf.variable(tf.tensor1d(gamma))],
    ['bn.beta', tf.variable(tf.tensor1d(beta))],
  ]);
  const state = new Map([
    ['bn.runningMean', tf.variable(tf.zeros([channels]), false)],
    ['bn.runningVar', tf.variable(tf.ones([channels]), false)],
  ]);
  return {
    param: (n) => params.get(n)!,
    state: (n) => state.get(n)!,
    dispose: () => tf.dispose([...params.values(), ...state.values()]),
  };
}

describe('batchNorm', () => {
  it('training: batch statistics, PyTorch running averages (momentum 0.1, unbiased variance); eval: running statistics', () => {
    // One channel, values 1, 2, 3, 6 over N·H·W = 4: μ = 3, biased σ² = (4+1+0+9)/4 = 3.5, unbiased 14/3.
    const vars = lookup(1, [2], [0.5]);
    const x = tf.tensor4d([1, 2, 3, 6], [2, 2, 1, 1]);
    const y = tf.tidy(() => batchNorm(x, vars, 'bn', true));
    const s = Math.sqrt(3.5 + 1e-5);
    expect(Array.from(y.dataSync()).map((v) => +v.toFixed(5))).toEqual([1, 2, 3, 6].map((v) => +((2 * (v - 3)) / s + 0.5).toFixed(5)));
    expect(vars.state('bn.runningMean').dataSync()[0]).toBeCloseTo(0.1 * 3, 6);
    expect(vars.state('bn.runningVar').dataSync()[0]).toBeCloseTo(0.9 * 1 + 0.1 * (14 / 3), 6);
    // Eval normalises with the running statistics: (x − 0.3)/√(1.36667 + ε)·2 + 0.5.
    const e = tf.tidy(() => batchNorm(x, vars, 'bn', false));
    const rv = 0.9 + 0.1 * (14 / 3);
    expect(e.dataSync()[0]).toBeCloseTo((2 * (1 - 0.3)) / Math.sqrt(rv + 1e-5) + 0.5, 5);
    tf.dispose([x, y, e]);
    vars.dispose();
  });

  it('its closed-form gradient equals autodiff through tf.moments + tf.batchNorm', () => {
    const shape: [number, number, number, number] = [3, 5, 4, 6];
    const x = tf.tensor4d(testValues(360, 'bn-x'), shape);
    const r = tf.tensor4d(testValues(360, 'bn-r'), shape);
    const gamma = tf.tensor1d(testValues(6, 'bn-g'));
    const beta = tf.tensor1d(testValues(6, 'bn-b'));
    const vars = lookup(6, Array.from(gamma.dataSync()), Array.from(beta.dataSync()));
    const ours = tf.grads((...[a, g, b]: tf.Tensor[]) => {
      const v: VariableLookup = { param: (n) => (n.endsWith('gamma') ? g : b) as tf.Variable, state: vars.state };
      return tf.sum(tf.mul(batchNorm(a as tf.Tensor4D, v, 'bn', true), r));
    })([x, gamma, beta]);
    const reference = tf.grads((...[a, g, b]: tf.Tensor[]) => {
      const { mean, variance } = tf.moments(a as tf.Tensor4D, [0, 1, 2]);
      return tf.sum(tf.mul(tf.batchNorm4d(a as tf.Tensor4D, mean as tf.Tensor1D, variance as tf.Tensor1D, b as tf.Tensor1D, g as tf.Tensor1D, 1e-5), r));
    })([x, gamma, beta]);
    ours.forEach((g, i) => {
      const c = compare(g.dataSync() as Float32Array, reference[i]!.dataSync() as Float32Array);
      expect(c.scale).toBeGreaterThan(0.1);
      expect(c.maxAbsDiff).toBeLessThanOrEqual(float32Tolerance(c.scale, 60) * 10);
    });
    tf.dispose([x, r, gamma, beta, ...ours, ...reference]);
    vars.dispose();
  });
});

describe('channelSum and addChannelBias', () => {
  it('sums over every axis but the last', () => {
    const t = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    expect(Array.from(channelSum(t).dataSync())).toEqual([1 + 3 + 5 + 7, 2 + 4 + 6 + 8]);
    t.dispose();
  });

  it('adds a bias per channel; its gradient is the channel sum of dy', () => {
    const x = tf.zeros([2, 3, 2]);
    const b = tf.tensor1d([1, -1]);
    const dy = tf.tensor3d(testValues(12, 'bias-dy'), [2, 3, 2]);
    expect(Array.from(addChannelBias(x, b).dataSync())).toEqual([1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1]);
    const [dx, db] = tf.grads((...[a, c]: tf.Tensor[]) => tf.sum(tf.mul(addChannelBias(a as tf.Tensor, c as tf.Tensor1D), dy)))([x, b]);
    expect(Array.from(dx!.dataSync())).toEqual(Array.from(dy.dataSync()));
    const want = tf.sum(dy, [0, 1]).dataSync();
    expect(db!.dataSync()[0]).toBeCloseTo(want[0]!, 6);
    expect(db!.dataSync()[1]).toBeCloseTo(want[1]!, 6);
    tf.dispose([x, b, dy, dx!, db!]);
  });
});

describe('dropout', () => {
  it('zeroes a fraction ≈ rate and scales the rest by 1/(1 − rate), keyed by (key, site)', () => {
    const x = tf.ones([4, 16, 16, 32]) as tf.Tensor4D; // 32,768 elements
    const y = dropout(x, 0.3, [1, 'dropout', 7], 'block1.0').dataSync();
    const zeros = y.filter((v) => v === 0).length;
    // Binomial(32768, 0.3): sd = 83; 5 sd = 415.
    expect(Math.abs(zeros - 0.3 * 32_768)).toBeLessThan(415);
    expect(new Set(y.filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / 0.7)]));
    expect(Array.from(dropout(x, 0.3, [1, 'dropout', 7], 'block1.0').dataSync())).toEqual(Array.from(y));
    expect(Array.from(dropout(x, 0.3, [1, 'dropout', 8], 'block1.0').dataSync())).not.toEqual(Array.from(y));
    expect(Array.from(dropout(x, 0.3, [1, 'dropout', 7], 'block1.1').dataSync())).not.toEqual(Array.from(y));
    x.dispose();
  });

  it('needs a key when it drops anything', () => {
    const x = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
    expect(dropout(x, 0, undefined, 'site')).toBe(x);
    expect(() => dropout(x, 0.5, undefined, 'block2.1')).toThrow(TrainerInvariantError);
    expect(() => dropout(x, 0.5, undefined, 'block2.1')).toThrow("dropout at 'block2.1' needs a dropoutKey when training");
    x.dispose();
  });
});
