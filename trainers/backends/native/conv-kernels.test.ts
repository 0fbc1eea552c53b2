/**
 * The native Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter, MaxPool and MaxPoolGrad kernels
 * against tfjs's cpu backend: every code path of native/src/conv.cc (conv-kernels.fixture.ts), the
 * delegated cases, 1 vs 2 threads bit-identical, every ISA (child processes), and the gradients of
 * LeNet-5 and a small WRN end to end.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '../gradients.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildModel } from '../../models/index.ts';
import type { InputShape, TrainableModel } from '../../models/types.ts';
import type { ModelSpec } from '../../run-manifest.ts';
import { compare, float32Tolerance, onBackend, testValues } from '../backends.fixture.ts';
import { loadNativeAddon } from './addon.ts';
import { initNativeCpuBackend } from './backend.ts';
import {
  CONV_CASES,
  type ConvCase,
  FUSED_CONV_CASES,
  POOL_CASES,
  type PoolCase,
  bitIdentical,
  convLabel,
  convOutputs,
  fusedConvLabel,
  fusedConvMismatches,
  fusedConvOutputs,
  mismatchesAgainstCpu,
  poolLabel,
  poolOutputs,
} from './conv-kernels.fixture.ts';
import { NATIVE_AVAILABLE, effectiveIsa, nativeSkipReason, runIsaCheck } from './native.fixture.ts';

const NATIVE_NAMES = ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPool', 'MaxPoolGrad'];

/** Resizes the pool (a job posted right after, before a new worker runs, is still picked up: parallel.cc). */
async function setThreads(threads: number): Promise<void> {
  const loaded = loadNativeAddon();
  if (!loaded.ok) throw new Error(loaded.reason);
  expect(loaded.addon.setThreads(threads)).toBe(threads);
}

describe.skipIf(!NATIVE_AVAILABLE)(`native conv and pooling kernels${NATIVE_AVAILABLE ? '' : ` (skipped: ${nativeSkipReason()})`}`, () => {
  beforeAll(async () => {
    const init = await initNativeCpuBackend(1);
    expect(init.ok).toBe(true);
    if (init.ok) expect(init.nativeKernels).toEqual(expect.arrayContaining(NATIVE_NAMES));
  });

  it('match the cpu backend on every case: convolutions within float32 tolerance, pooling bit-identical', async () => {
    await setThreads(1);
    expect(await mismatchesAgainstCpu()).toEqual([]);
  });

  it.each(CONV_CASES.map((c) => [convLabel(c), c] as const))('%s: gradients are not vacuous', async (_name, c) => {
    const [y, dx, dw] = await onBackend('native', convOutputs(c));
    for (const t of [y!, dx!, dw!]) expect(compare(new Float32Array(t.length), t).scale).toBeGreaterThan(0.1);
  });

  it('delegate dilation > 1, NCHW and int32 pooling to the cpu kernels (same values as cpu)', async () => {
    const x = testValues(2 * 9 * 8 * 4, 'delegate-x');
    const w = testValues(3 * 3 * 4 * 5, 'delegate-w');
    const run = () => {
      const xt = tf.tensor4d(x, [2, 9, 8, 4]);
      const wt = tf.tensor4d(w, [3, 3, 4, 5]);
      const dilated = tf.conv2d(xt, wt, 1, 'same', 'NHWC', 2);
      const nchw = tf.conv2d(tf.tensor4d(x, [2, 4, 9, 8]), wt, 1, 'same', 'NCHW');
      const pooled = tf.cast(tf.maxPool(tf.cast(tf.mul(xt, 10), 'int32') as tf.Tensor4D, 2, 2, 'valid'), 'float32');
      return [dilated, nchw, pooled];
    };
    const cpu = await onBackend('cpu', run);
    const native = await onBackend('native', run);
    native.forEach((got, i) => expect(bitIdentical(got, cpu[i]!), `output ${i}`).toBe(true));
  });

  it('free everything but their outputs (no tensor or data leak)', async () => {
    await tf.setBackend('native');
    const c = CONV_CASES[12]!;
    tf.dispose(tf.tidy(convOutputs(c))); // warm-up
    const tensors = tf.memory().numTensors;
    const dataIds = tf.engine().backend.numDataIds();
    tf.dispose(tf.tidy(convOutputs(c)));
    tf.dispose(tf.tidy(poolOutputs(POOL_CASES[1]!)));
    expect(tf.memory().numTensors).toBe(tensors);
    expect(tf.engine().backend.numDataIds()).toBe(dataIds);
  });

  // Large enough that every kernel splits its work: several chunks of output rows, dW's rows over
  // threads, several images for col2im and pooling, a blocked-depth filter.
  const parallelConv: ConvCase[] = [
    { x: [4, 12, 12, 16], filter: [3, 3, 16, 24], stride: 1, pad: 'same' },
    { x: [6, 11, 10, 16], filter: [3, 3, 16, 40], stride: 2, pad: 'same' },
    { x: [16, 16, 16, 3], filter: [3, 3, 3, 8], stride: 1, pad: 'same' },
    { x: [40, 4, 4, 128], filter: [3, 3, 128, 130], stride: 1, pad: 'same' },
    { x: [4, 12, 12, 20], filter: [5, 5, 20, 50], stride: 1, pad: 'valid' },
  ];
  const parallelPool: PoolCase[] = [{ x: [4, 13, 12, 20], filter: 3, stride: 2, pad: 'same' }];

  it('give bit-identical results on 1 and 2 threads', async () => {
    const runAll = async () => {
      const out: Float32Array[] = [];
      for (const c of parallelConv) out.push(...(await onBackend('native', convOutputs(c))));
      for (const c of parallelPool) out.push(...(await onBackend('native', poolOutputs(c))));
      return out;
    };
    await setThreads(1);
    const one = await runAll();
    await setThreads(2);
    const two = await runAll();
    await setThreads(1);
    const labels = [...parallelConv.flatMap((c) => ['y', 'dx', 'dW'].map((n) => `${convLabel(c)} ${n}`)), ...parallelPool.flatMap((c) => ['y', 'dx'].map((n) => `${poolLabel(c)} ${n}`))];
    one.forEach((a, i) => expect(bitIdentical(a, two[i]!), labels[i]).toBe(true));
  });

  // The active ISA (the best the CPU has) is the in-process case above.
  for (const isa of ['generic', 'avx2'] as const) {
    it(`match the cpu backend with RIGL_NATIVE_ISA=${isa} (child process, 2 threads)`, async () => {
      const report = await runIsaCheck('conv-kernels.isa-check.ts', isa);
      expect(report.isa).toBe(effectiveIsa(isa));
      expect(report.failures).toEqual([]);
      expect(report.cases).toBe(CONV_CASES.length + POOL_CASES.length + FUSED_CONV_CASES.length);
    });
  }

  describe('fused relu(conv + bias) (conv-fused.ts) matches the separate ops on the cpu backend', () => {
    it.each(FUSED_CONV_CASES.map((c) => [fusedConvLabel(c), c] as const))('%s', async (_name, c) => {
      await setThreads(1);
      expect(await fusedConvMismatches([c])).toEqual([]);
      const one = await onBackend('native', fusedConvOutputs(c, true));
      await setThreads(2);
      const two = await onBackend('native', fusedConvOutputs(c, true));
      await setThreads(1);
      one.forEach((a, i) => expect(bitIdentical(a, two[i]!), `output ${i} on 2 threads`).toBe(true));
    });
  });

  describe('model gradients on native match the cpu backend', () => {
    function crossEntropy(model: TrainableModel, x: tf.Tensor4D, labels: number[], classes: number): tf.Scalar {
      const logits = model.apply(x, true, [1, 'dropout', 0]);
      return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), logits) as tf.Scalar;
    }
    const models: [string, ModelSpec, InputShape][] = [
      ['LeNet-5-Caffe', { name: 'lenet5-caffe', init: 'torch-default' }, { height: 28, width: 28, channels: 1 }],
      // Stride-2 convs, 1×1 shortcuts, batch norm and (keyed, hence identical) dropout.
      ['WRN-10-2 on 12×12', { name: 'wrn', depth: 10, widthFactor: 2, dropRate: 0.3 }, { height: 12, width: 12, channels: 3 }],
    ];
    it.each(models)('%s', async (_name, spec, input) => {
      const gradsOn = (backend: string) =>
        onBackend(backend, () => {
          const model = buildModel(spec, input, 10, 4);
          const n = 3;
          const x = tf.tensor4d(testValues(n * input.height * input.width * input.channels, 'model', _name), [n, input.height, input.width, input.channels]);
          const { value, grads } = tf.variableGrads(
            () => crossEntropy(model, x, [0, 3, 9], 10),
            model.params.map((p) => p.variable),
          );
          const out = [value, ...model.params.map((p) => grads[p.variable.name]!)];
          model.dispose();
          return out;
        });
      const cpu = await gradsOn('cpu');
      const native = await gradsOn('native');
      expect(native.length).toBe(cpu.length);
      cpu.forEach((want, i) => {
        const { maxAbsDiff, scale } = compare(native[i]!, want);
        // Float32 sums in different orders through several layers: relative 1e-4 of the gradient's scale.
        expect(maxAbsDiff, `tensor ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(scale, 1e-3));
      });
    });
  });
});
