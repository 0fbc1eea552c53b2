/**
 * A real forward and backward pass through every model on the wasm backend (with the kernels we
 * register there), and the gradients of two CNNs against the cpu backend's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, onBackend, testValues } from '../backends/backends.fixture.ts';
import { selectBackend } from '../backends/select-backend.ts';
import type { ModelSpec } from '../run-manifest.ts';
import { buildModel } from './index.ts';
import type { InputShape, TrainableModel } from './types.ts';

beforeAll(async () => {
  await selectBackend(['wasm'], 1, null);
});

function crossEntropy(model: TrainableModel, x: tf.Tensor4D, labels: number[], classes: number, step: number): tf.Scalar {
  const logits = model.apply(x, true, [1, 'dropout', step]);
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), logits) as tf.Scalar;
}

/** Lets the test worker answer its runner between long synchronous phases (ResNet-50: tens of seconds each on a busy machine). */
const yieldToRunner = () => new Promise<void>((resolve) => setImmediate(resolve));

function batch(input: InputShape, n: number, key: string): tf.Tensor4D {
  return tf.tensor4d(testValues(n * input.height * input.width * input.channels, key), [n, input.height, input.width, input.channels]);
}

const CASES: [string, ModelSpec, InputShape, number][] = [
  ['LeNet-300-100', { name: 'mlp', hiddenSizes: [300, 100], init: 'torch-linear-default' }, { height: 28, width: 28, channels: 1 }, 10],
  ['LeNet-5-Caffe', { name: 'lenet5-caffe', init: 'torch-default' }, { height: 28, width: 28, channels: 1 }, 10],
  ['WRN-22-2', { name: 'wrn', depth: 22, widthFactor: 2, dropRate: 0.3 }, { height: 32, width: 32, channels: 3 }, 10],
  ['ResNet-50 (CIFAR-100)', { name: 'resnet50-cifar' }, { height: 32, width: 32, channels: 3 }, 100],
];

describe('a training step on wasm', () => {
  it.each(CASES)('%s: finite gradients of the right shape for every parameter, no leaked tensor', async (_name, spec, input, classes) => {
    await tf.setBackend('wasm');
    const model = buildModel(spec, input, classes, 11);
    await yieldToRunner();
    const x = batch(input, 2, 'step');
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => crossEntropy(model, x, [1, 7], classes, 0),
      model.params.map((p) => p.variable),
    );
    const loss = value.dataSync()[0]!;
    await yieldToRunner();
    // Near log(classes) at initialisation (ResNet starts as identity blocks: exactly the fc on pooled features).
    expect(loss).toBeGreaterThan(0.3 * Math.log(classes));
    expect(loss).toBeLessThan(3 * Math.log(classes));
    for (const p of model.params) {
      const g = grads[p.variable.name];
      expect(g, p.name).toBeDefined();
      expect(g!.shape, p.name).toEqual(p.variable.shape);
      expect(Array.from(g!.dataSync()).every(Number.isFinite), p.name).toBe(true);
    }
    // Every weight layer gets signal, except ResNet's residual branches: BN3's γ = 0 at
    // initialisation cuts the gradient to the branch's three convs (only stem, shortcuts, fc learn at step 0).
    const silent = model.params
      .filter((p) => p.role === 'weight' && tf.tidy(() => tf.max(tf.abs(grads[p.variable.name]!)).dataSync()[0]) === 0)
      .map((p) => p.name);
    const branchConv = /^layer\d\.\d+\.conv[123]\.weight$/;
    const expectedSilent = spec.name === 'resnet50-cifar' ? model.params.map((p) => p.name).filter((n) => branchConv.test(n)) : [];
    expect(silent).toEqual(expectedSilent);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    if (model.state.length > 0) {
      const rv = model.state.find((s) => s.name.endsWith('runningVar'))!;
      expect(rv.variable.dataSync()[0]).not.toBe(1); // moved toward the batch variance
    }
    // Evaluation mode (running statistics, no dropout) runs on wasm too.
    await yieldToRunner();
    const logits = model.apply(x, false);
    expect(logits.shape).toEqual([2, classes]);
    expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
    logits.dispose();
    model.dispose();
    x.dispose();
  });
});

describe('model gradients on wasm match the cpu backend', () => {
  const small: [string, ModelSpec, InputShape][] = [
    ['LeNet-5-Caffe', { name: 'lenet5-caffe', init: 'he-normal' }, { height: 28, width: 28, channels: 1 }],
    // Stride-2 convs, 1×1 shortcuts, batch norm and (keyed, hence identical) dropout.
    ['WRN-10-1 on 12×12', { name: 'wrn', depth: 10, widthFactor: 1, dropRate: 0.3 }, { height: 12, width: 12, channels: 3 }],
  ];
  it.each(small)('%s', async (_name, spec, input) => {
    const gradsOn = (backend: string) =>
      onBackend(backend, () => {
        const model = buildModel(spec, input, 10, 4);
        const x = batch(input, 3, 'compare');
        const { value, grads } = tf.variableGrads(
          () => crossEntropy(model, x, [0, 3, 9], 10, 5),
          model.params.map((p) => p.variable),
        );
        const out = [value, ...model.params.map((p) => grads[p.variable.name]!)];
        model.dispose();
        return out;
      });
    const cpu = await gradsOn('cpu');
    const wasm = await gradsOn('wasm');
    expect(wasm.length).toBe(cpu.length);
    cpu.forEach((want, i) => {
      const { maxAbsDiff, scale } = compare(wasm[i]!, want);
      // Float32 sums in different orders through a dozen layers: relative 1e-4 of the gradient's scale.
      expect(maxAbsDiff, `tensor ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-3));
    });
  });
});
