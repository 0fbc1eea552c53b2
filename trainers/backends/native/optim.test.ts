import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { describe, expect, it } from 'vitest';
import type { ModelParam } from '../../models/types.ts';
import { SgdOptimizer } from '../../optim/sgd.ts';
import type { OptimizerSpec } from '../../run-manifest.ts';
import { keyedRandom } from '../../random.ts';
import { initNativeCpuBackend } from './backend.ts';
import { NATIVE_AVAILABLE, nativeSkipReason } from './native.fixture.ts';
import { nativeSgdStep } from './optim.ts';
import { buildSparseLayout } from './sparse-layout.ts';
import { loadNativeAddon } from './addon.ts';

function normals(n: number, ...key: (string | number)[]): Float32Array {
  const rng = keyedRandom(...key);
  return Float32Array.from({ length: n }, () => rng.nextNormal());
}

interface Trace {
  weights: Float32Array[];
  momenta: Float32Array[];
}

/** Three steps of SgdOptimizer on two parameters (one masked) on the given backend. */
async function run(backend: 'cpu' | 'native', spec: OptimizerSpec, denseMomentum: boolean, alias = false): Promise<Trace> {
  if (backend === 'native') expect((await initNativeCpuBackend(2)).ok).toBe(true);
  else await tf.setBackend('cpu');
  const shapes = [[37, 11], [11]];
  const params: ModelParam[] = shapes.map((shape, i) => ({
    name: `p${i}`,
    role: i === 0 ? 'weight' : 'bias',
    layer: i === 0 ? 'fc' : null,
    variable: tf.variable(tf.tensor(normals(tf.util.sizeFromShape(shape), 'w', i), shape), true, `opt-test-${backend}-${i}-${Math.random()}`),
  })) as unknown as ModelParam[];
  const maskValues = Float32Array.from(normals(37 * 11, 'mask'), (x) => (x > 0.3 ? 1 : 0));
  const mask = tf.tensor(maskValues, [37, 11]);
  // Masked weights start at zero where the mask is 0, as after applyInitialMasks.
  params[0]!.variable.assign(tf.mul(params[0]!.variable, mask));
  const holdAlias = alias ? tf.reshape(params[0]!.variable, [37 * 11]) : null;
  const optimizer = new SgdOptimizer(params, spec);
  for (let step = 0; step < 3; step++) {
    const gradients = new Map(params.map((p, i) => [p.name, tf.tensor(normals(p.variable.size, 'g', step, i), p.variable.shape)]));
    optimizer.step({ learningRate: 0.05 * (step + 1), gradients, masks: new Map([['fc', mask]]), denseMomentum });
    tf.dispose([...gradients.values()]);
  }
  const trace = {
    weights: params.map((p) => p.variable.dataSync().slice() as Float32Array),
    momenta: optimizer.namedSlots().map((s) => s.variable.dataSync().slice() as Float32Array),
  };
  holdAlias?.dispose();
  optimizer.dispose();
  params.forEach((p) => p.variable.dispose());
  mask.dispose();
  return trace;
}

const SPECS: Array<[string, OptimizerSpec, boolean]> = [
  ['momentum', { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 0, weightDecayExclude: 'none' } as OptimizerSpec, false],
  ['nesterov + decay on weights only', { kind: 'sgd', momentum: 0.9, nesterov: true, weightDecay: 5e-4, weightDecayExclude: 'biases-and-norms' } as OptimizerSpec, false],
  ['dense momentum (SNFS) + decay', { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 1e-4, weightDecayExclude: 'none' } as OptimizerSpec, true],
  ['no momentum', { kind: 'sgd', momentum: 0, nesterov: false, weightDecay: 0, weightDecayExclude: 'none' } as OptimizerSpec, false],
];

describe.skipIf(!NATIVE_AVAILABLE)(`native fused SGD step${NATIVE_AVAILABLE ? '' : ` (skipped: ${nativeSkipReason()})`}`, () => {
  for (const [title, spec, denseMomentum] of SPECS) {
    it(`is bit-identical to the tensor path on cpu: ${title}`, async () => {
      const cpu = await run('cpu', spec, denseMomentum);
      const native = await run('native', spec, denseMomentum);
      for (let i = 0; i < cpu.weights.length; i++) {
        expect(Buffer.from(native.weights[i]!.buffer).equals(Buffer.from(cpu.weights[i]!.buffer))).toBe(true);
        expect(Buffer.from(native.momenta[i]!.buffer).equals(Buffer.from(cpu.momenta[i]!.buffer))).toBe(true);
      }
      // Not vacuous: the weights moved.
      expect(native.weights[1]!.some((x, j) => x !== normals(11, 'w', 1)[j])).toBe(true);
    });
  }

  it('leaves a weight whose data another tensor shares to the tensor path, with the same result', async () => {
    const spec = SPECS[0]![1];
    const plain = await run('native', spec, false);
    const aliased = await run('native', spec, false, true);
    expect(Buffer.from(aliased.weights[0]!.buffer).equals(Buffer.from(plain.weights[0]!.buffer))).toBe(true);
  });

  it('refuses to run in place on shared data or another backend', async () => {
    expect((await initNativeCpuBackend(1)).ok).toBe(true);
    // tidy disposes the initial tensors, so each variable holds its data alone.
    const w = tf.tidy(() => tf.variable(tf.ones([4])));
    const v = tf.tidy(() => tf.variable(tf.zeros([4])));
    const g = tf.ones([4]);
    const alias = tf.reshape(w, [2, 2]);
    const params = { learningRate: 0.1, momentum: 0.9, weightDecay: 0, nesterov: false, denseMomentum: false };
    expect(nativeSgdStep(w, g, v, undefined, params)).toBe(false);
    alias.dispose();
    expect(nativeSgdStep(w, g, v, undefined, params)).toBe(true);
    expect(Array.from(w.dataSync())).toEqual([0.9, 0.9, 0.9, 0.9].map((x) => Math.fround(x)));
    await tf.setBackend('cpu');
    const w2 = tf.tidy(() => tf.variable(tf.ones([4])));
    const v2 = tf.tidy(() => tf.variable(tf.zeros([4])));
    expect(nativeSgdStep(w2, tf.ones([4]), v2, undefined, params)).toBe(false);
  });

  it('updates only the active entries of a sparse step, with the values of the full step', () => {
    const loaded = loadNativeAddon();
    if (!loaded.ok) throw new Error(loaded.reason);
    const { addon } = loaded;
    const [inputs, outputs] = [53, 29];
    const size = inputs * outputs;
    const mask = Float32Array.from(normals(size, 'rows-mask'), (x) => (x > 0.9 ? 1 : 0));
    // Sparse training's invariant: gradient (sparse kernels), weight and momentum are 0 off the mask.
    const masked = (...key: string[]) => Float32Array.from(normals(size, ...key), (x, i) => x * mask[i]!);
    const layout = buildSparseLayout(mask, inputs, outputs);
    expect(layout.nnz).toBeGreaterThan(0);
    for (const [mu, decay, nesterov] of [
      [0.9, 0, false],
      [0.9, 5e-4, true],
      [0, 1e-4, false],
    ] as const) {
      const grad = masked('g', String(mu));
      const full = { w: masked('w'), v: masked('v') };
      const rows = { w: full.w.slice(), v: full.v.slice() };
      addon.sgdStep(full.w, grad, full.v, mask, size, 0.1, mu, decay, nesterov, false);
      addon.sgdStepRows(rows.w, grad, rows.v, mask, layout.rowStarts, layout.rowColumns, inputs, outputs, 0.1, mu, decay, nesterov);
      // Same values everywhere (=== : an inactive zero may keep the sign the full step would flip,
      // -0 − (−0) = +0, which no later operation can observe); active entries bit for bit.
      expect(rows.w.every((x, i) => x === full.w[i])).toBe(true);
      expect(rows.v.every((x, i) => x === full.v[i])).toBe(true);
      for (let i = 0; i < size; i++) {
        if (mask[i] === 1) expect(Object.is(rows.w[i], full.w[i]) && Object.is(rows.v[i], full.v[i])).toBe(true);
      }
      expect(rows.w.some((x, i) => x !== masked('w')[i])).toBe(true);
    }
    // Malformed index lists are refused before anything is written.
    const w = masked('w');
    const bad = layout.rowColumns.slice();
    bad[0] = outputs;
    expect(() => addon.sgdStepRows(w, w, w.slice(), mask, layout.rowStarts, bad, inputs, outputs, 0.1, 0.9, 0, false)).toThrow(/rowColumns\[0\] is outside/);
    expect(Buffer.from(w.buffer).equals(Buffer.from(masked('w').buffer))).toBe(true);
  });
});
