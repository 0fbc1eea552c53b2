import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { compare, float32Tolerance, onBackend, testValues } from '../backends.fixture.ts';
import { selectBackend } from '../select-backend.ts';
import { registerWasmTrainingKernels, shippedWasmKernel } from './register.ts';

beforeAll(async () => {
  await selectBackend(['wasm'], 1, null);
});

type Pad = 'same' | 'valid' | [[0, 0], [number, number], [number, number], [0, 0]];
interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
}

// Odd and even sizes, stride 1 and 2, same/valid/explicit, 1×1 shortcuts, LeNet's 5×5, and
// explicit pads large enough that the kernels must crop instead of pad.
const CASES: ConvCase[] = [
  { x: [2, 9, 7, 3], filter: [3, 2, 3, 5], stride: 1, pad: 'same' },
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { x: [2, 10, 8, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'valid' },
  { x: [2, 10, 8, 3], filter: [3, 3, 3, 4], stride: 2, pad: 'valid' },
  { x: [3, 12, 12, 4], filter: [5, 5, 4, 6], stride: 1, pad: 'valid' },
  { x: [2, 5, 7, 6], filter: [1, 1, 6, 4], stride: 1, pad: 'valid' },
  { x: [2, 8, 8, 4], filter: [1, 1, 4, 6], stride: 2, pad: 'valid' },
  { x: [2, 9, 8, 4], filter: [1, 1, 4, 6], stride: 3, pad: 'valid' },
  { x: [2, 9, 9, 4], filter: [1, 1, 4, 6], stride: 2, pad: 'same' },
  { x: [2, 8, 8, 4], filter: [3, 3, 4, 6], stride: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]] },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 2], stride: 1, pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 2], stride: 2, pad: [[0, 0], [2, 0], [1, 3], [0, 0]] },
  { x: [2, 6, 6, 3], filter: [2, 2, 3, 2], stride: 2, pad: [[0, 0], [4, 4], [3, 1], [0, 0]] },
];

function label(c: ConvCase): string {
  return `x [${c.x}] ⊛ [${c.filter}] stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
}

/** dL/dx and dL/dW of L = Σ conv(x, W) ⊙ R, with R fixed. */
function convGrads(c: ConvCase): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(testValues(c.x.reduce((a, b) => a * b), 'x', label(c)), c.x);
    const w = tf.tensor4d(testValues(c.filter.reduce((a, b) => a * b), 'w', label(c)), c.filter);
    const y = tf.conv2d(x, w, c.stride, c.pad);
    const r = tf.tensor(testValues(y.size, 'r', label(c)), y.shape);
    const loss = (...[a, b]: tf.Tensor[]) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r));
    return tf.grads(loss)([x, w]);
  };
}

describe('wasm conv gradient kernels against the cpu backend', () => {
  it('registers Conv2DBackpropFilter (missing in tfjs-backend-wasm) and replaces the slow shipped kernels', () => {
    expect(registerWasmTrainingKernels()).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad']);
    expect(shippedWasmKernel('Conv2DBackpropFilter')).toBeUndefined();
    for (const name of ['Conv2DBackpropInput', 'MaxPoolGrad']) {
      expect(shippedWasmKernel(name)?.backendName).toBe('wasm');
      expect(shippedWasmKernel(name)!.kernelFunc).not.toBe(tf.getKernel(name, 'wasm')!.kernelFunc);
    }
    // Idempotent: a second call keeps our kernels and the remembered shipped one.
    const ours = tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc;
    registerWasmTrainingKernels();
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc).toBe(ours);
    expect(shippedWasmKernel('Conv2DBackpropInput')!.kernelFunc).not.toBe(ours);
  });

  it.each(CASES.map((c) => [label(c), c] as const))('%s', async (_name, c) => {
    const [dxCpu, dwCpu] = await onBackend('cpu', convGrads(c));
    const [dxWasm, dwWasm] = await onBackend('wasm', convGrads(c));
    const [kh, kw, cin, cout] = c.filter;
    const dx = compare(dxWasm!, dxCpu!);
    const dw = compare(dwWasm!, dwCpu!);
    // dx sums kh·kw·cout terms; dW sums n·Ho·Wo terms (at most n·H·W).
    expect(dx.maxAbsDiff).toBeLessThanOrEqual(float32Tolerance(dx.scale, kh * kw * cout));
    expect(dw.maxAbsDiff).toBeLessThanOrEqual(float32Tolerance(dw.scale, c.x[0] * c.x[1] * c.x[2]));
    // Not vacuous: the gradients are not all zero.
    expect(dx.scale).toBeGreaterThan(0.1);
    expect(dw.scale).toBeGreaterThan(0.1);
    expect(cin).toBe(c.x[3]);
  });

  it('the kernels free their intermediates (no growth of wasm data buffers)', async () => {
    await tf.setBackend('wasm');
    const c = CASES[2]!;
    tf.dispose(tf.tidy(convGrads(c))); // warm-up
    const before = tf.engine().backend.numDataIds();
    const tensorsBefore = tf.memory().numTensors;
    tf.dispose(tf.tidy(convGrads(c)));
    expect(tf.engine().backend.numDataIds()).toBe(before);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
