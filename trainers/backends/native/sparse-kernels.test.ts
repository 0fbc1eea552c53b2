import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import '../gradients.ts';
import { loadNativeAddon } from './addon.ts';
import { initNativeCpuBackend } from './backend.ts';
import { NATIVE_AVAILABLE, effectiveIsa, nativeSkipReason, runIsaCheck } from './native.fixture.ts';
import { NATIVE_DENSE_BACKWARD, NATIVE_SPARSE_DENSE_BACKWARD, NATIVE_SPARSE_DENSE_INPUT_GRAD, nativeDense } from './sparse-kernels.ts';
import { caseData, caseLabel, checkCases, kernelCases, parallelCases, runNativeCase } from './sparse-kernels.fixture.ts';
import { buildSparseLayout } from './sparse-layout.ts';
import { buildModel } from '../../models/index.ts';
import type { ModelSpec } from '../../run-manifest.ts';
import { keyedRandom } from '../../random.ts';


function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe.skipIf(!NATIVE_AVAILABLE)(`native dense-layer kernels${NATIVE_AVAILABLE ? '' : ` (skipped: ${nativeSkipReason()})`}`, () => {
  it('match the dense-masked float64 reference: forward, dx, dw (active entries only when sparse), db', async () => {
    expect((await initNativeCpuBackend(2)).ok).toBe(true);
    expect(checkCases([...kernelCases(), ...parallelCases()])).toEqual([]);
  });

  it('give bit-identical results on 1 and 2 threads', async () => {
    expect((await initNativeCpuBackend(1)).ok).toBe(true);
    const cases = [...parallelCases(), ...kernelCases().filter((c) => c.batch >= 128)];
    const one = cases.map((c, seed) => runNativeCase(c, caseData(c, seed)));
    expect((await initNativeCpuBackend(2)).ok).toBe(true);
    const two = cases.map((c, seed) => runNativeCase(c, caseData(c, seed)));
    cases.forEach((c, k) => {
      for (const key of ['y', 'dx', 'dw', 'db'] as const) expect(sameBits(one[k]![key], two[k]![key]), `${caseLabel(c)} ${key}`).toBe(true);
    });
  });

  it('leave dw exactly 0 off the mask on the sparse path', async () => {
    expect((await initNativeCpuBackend(2)).ok).toBe(true);
    const c = parallelCases()[0]!;
    const data = caseData(c, 0);
    const { dw } = runNativeCase(c, data);
    expect(dw.filter((v, k) => data.mask[k] === 0 && v !== 0).length).toBe(0);
    expect(dw.filter((v, k) => data.mask[k] === 1 && v !== 0).length).toBeGreaterThan(0);
  });

  it('compute no input gradient for the data layer, and leak no tensors', async () => {
    expect((await initNativeCpuBackend(2)).ok).toBe(true);
    const c = parallelCases()[0]!;
    const data = caseData(c, 0);
    const layout = buildSparseLayout(data.mask, c.inputs, c.outputs);
    const x = tf.tensor2d(data.x, [c.batch, c.inputs]);
    const w = tf.variable(tf.tensor2d(data.w, [c.inputs, c.outputs]));
    const b = tf.variable(tf.tensor1d(data.b));
    const before = tf.memory().numTensors;
    for (const l of [layout, undefined]) {
      const profile = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(nativeDense(x, w, b, 'relu', l, false)), [w, b]);
        tf.dispose([value, ...Object.values(grads)]);
      });
      const kernels = profile.kernels.map((k) => k.name);
      expect(kernels).not.toContain(NATIVE_SPARSE_DENSE_INPUT_GRAD);
      // The whole backward pass is one kernel, which returns no dx (only dw and db).
      const backward = profile.kernels.filter((k) => k.name === (l === undefined ? NATIVE_DENSE_BACKWARD : NATIVE_SPARSE_DENSE_BACKWARD));
      expect(backward.map((k) => k.outputShapes)).toEqual([
        [
          [c.inputs, c.outputs],
          [c.outputs],
        ],
      ]);
      expect(kernels.filter((k) => k === 'BatchMatMul').length).toBe(0);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });

  it('still give the input gradient, unchanged, when asked for it although inputGradient is false', async () => {
    expect((await initNativeCpuBackend(1)).ok).toBe(true);
    for (const c of [parallelCases()[0]!, ...kernelCases().filter((k) => k.batch >= 128).slice(0, 2)]) {
      const data = caseData(c, 3);
      const layout = c.sparse ? buildSparseLayout(data.mask, c.inputs, c.outputs) : undefined;
      const x = tf.tensor2d(data.x, [c.batch, c.inputs]);
      const w = tf.tensor2d(data.w, [c.inputs, c.outputs]);
      const b = tf.tensor1d(data.b);
      const up = tf.tensor2d(data.dy, [c.batch, c.outputs]);
      const gradsWith = (inputGradient: boolean) =>
        tf.grads((xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) =>
          tf.sum(tf.mul(nativeDense(xs as tf.Tensor2D, ws as tf.Tensor2D, bs as tf.Tensor1D, c.activation, layout, inputGradient), up)),
        )([x, w, b]);
      const eager = gradsWith(true);
      const onDemand = gradsWith(false);
      eager.forEach((t, k) => expect(sameBits(t.dataSync() as Float32Array, onDemand[k]!.dataSync() as Float32Array), `${caseLabel(c)} #${k}`).toBe(true));
      tf.dispose([x, w, b, up, ...eager, ...onDemand]);
    }
  });

  it('reject a layout of another shape, malformed index arrays and overlapping outputs', async () => {
    expect((await initNativeCpuBackend(1)).ok).toBe(true);
    const x = tf.zeros([2, 4]) as tf.Tensor2D;
    const w = tf.zeros([4, 3]) as tf.Tensor2D;
    const b = tf.zeros([3]) as tf.Tensor1D;
    expect(() => nativeDense(x, w, b, 'none', buildSparseLayout(new Float32Array(6), 3, 2))).toThrow(/layout is for a \[3, 2\] weight but the weight is \[4, 3\]/);
    const addon = loadNativeAddon();
    if (!addon.ok) throw new Error(addon.reason);
    const y = new Float32Array(6);
    const bad = (starts: number[], rows: number[]) =>
      addon.addon.sparseDenseForward(2, 4, 3, new Float32Array(8), new Float32Array(12), new Float32Array(3), false, Int32Array.from(starts), Int32Array.from(rows), y);
    expect(() => bad([0, 1, 1, 2], [0, 4])).toThrow(/ascending indices < 4/);
    expect(() => bad([0, 2, 2, 2], [1, 1])).toThrow(/ascending indices < 4/);
    expect(() => bad([0, 2, 1, 2], [0, 1])).toThrow(/must not decrease/);
    expect(() => bad([0, 1, 1, 13], [0])).toThrow(/more than 3 × 4 entries/);
    // The fused backward + SGD writes w, momentum, dx and db: none may overlap another array.
    const layout = buildSparseLayout(Float32Array.from({ length: 12 }, (_, k) => k % 2), 4, 3);
    const shared = new Float32Array(64);
    const fused = (w: Float32Array, v: Float32Array, dx: Float32Array | null) =>
      addon.addon.sparseDenseBackwardSgd(2, 4, 3, new Float32Array(8), w, new Float32Array(6), null, layout.rowStarts, layout.rowColumns, null, dx, new Float32Array(3), v, 0.1, 0.9, 0, false);
    expect(() => fused(shared.subarray(0, 12), shared.subarray(0, 12), null)).toThrow(/w must not overlap momentum/);
    expect(() => fused(shared.subarray(0, 12), shared.subarray(11, 23), null)).toThrow(/w must not overlap momentum/);
    expect(() => fused(shared.subarray(0, 12), shared.subarray(12, 24), shared.subarray(20, 28))).toThrow(/momentum must not overlap dx/);
    expect(() => fused(shared.subarray(0, 12), shared.subarray(12, 24), shared.subarray(24, 32))).not.toThrow();
    tf.dispose([x, w, b]);
  });

  it.each([
    ['LeNet-300-100 (ReLU fused into fc1, fc2)', { name: 'mlp', hiddenSizes: [30, 20], init: 'he-normal' } as ModelSpec],
    ['LeNet-5-Caffe (fc3 with ReLU, fc4 without)', { name: 'lenet5-caffe', init: 'torch-default', widthMultiplier: 0.5 } as ModelSpec],
  ])('%s: logits and gradients on native match the cpu backend', async (_, spec) => {
    const input = { height: 28, width: 28, channels: 1 };
    const rng = keyedRandom('native-dense-model');
    const xs = Float32Array.from({ length: 6 * 784 }, () => rng.nextNormal());
    const labels = Int32Array.from([0, 3, 9, 1, 1, 7]);
    const run = async (backend: 'cpu' | 'native') => {
      if (backend === 'native') expect((await initNativeCpuBackend(2)).ok).toBe(true);
      else await tf.setBackend('cpu');
      const model = buildModel(spec, input, 10, 5);
      const { value, grads } = tf.variableGrads(() => {
        const logits = model.apply(tf.tensor4d(xs, [6, 28, 28, 1]), true);
        return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), 10), logits) as tf.Scalar;
      }, model.params.map((p) => p.variable));
      const out = [value, ...model.params.map((p) => grads[p.variable.name]!)].map((t) => Float32Array.from(t.dataSync() as Float32Array));
      tf.dispose([value, ...Object.values(grads)]);
      model.dispose();
      return out;
    };
    const cpu = await run('cpu');
    const native = await run('native');
    cpu.forEach((want, k) => {
      const got = native[k]!;
      const scale = Math.max(1e-3, ...Array.from(want, Math.abs));
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!), `tensor ${k} [${i}]`).toBeLessThan(1e-4 * scale);
    });
  });

  for (const isa of ['generic', 'avx2'] as const) {
    it(`match the reference with RIGL_NATIVE_ISA=${isa} (child process)`, async () => {
      const report = await runIsaCheck('sparse-kernels.isa-check.ts', isa);
      expect(report.isa).toBe(effectiveIsa(isa));
      expect(report.failures).toEqual([]);
      expect(report.cases).toBe(kernelCases().length + parallelCases().length);
    });
  }
});
