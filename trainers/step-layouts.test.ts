import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import './backends/gradients.ts';
import { initNativeCpuBackend } from './backends/native/backend.ts';
import { NATIVE_AVAILABLE, nativeSkipReason } from './backends/native/native.fixture.ts';
import { getMethod } from './methods/registry.ts';
import { schedule } from './methods/training.fixture.ts';
import type { SparseController } from './methods/types.ts';
import { buildModel } from './models/index.ts';
import type { TrainableModel } from './models/types.ts';
import { SgdOptimizer } from './optim/sgd.ts';
import { keyedRandom } from './random.ts';
import type { MethodSpec, ModelSpec, SparsitySpec } from './run-manifest.ts';
import { createStepLayouts } from './step-layouts.ts';
import { trainRun } from './train.ts';
import { softmaxCrossEntropy } from './train-loop.ts';
import { tinyDataset, tinyManifest, tinyOptions } from './testing/tiny-run.ts';

const INPUT = { height: 8, width: 8, channels: 1 };
const MODEL: ModelSpec = { name: 'mlp', hiddenSizes: [24, 12], init: 'torch-linear-default' };
const BATCH = 20;
const STEPS = 12;
const TOTAL_STEPS = 16; // updates end at 0.75 · 16 = 12
const ERK_80: SparsitySpec = { target: 0.8, distribution: { kind: 'erk', denseLayers: [], powerScale: 1 } };
const EVERY_3 = schedule({ intervalSteps: 3 });

interface MethodCase {
  label: string;
  spec: MethodSpec;
  sparsity: SparsitySpec | undefined;
  /** Steps that should run sparse kernels (none for dense; none for SNFS, which needs dense gradients every step). */
  sparseSteps: 'some' | 'none';
}

const METHOD_CASES: MethodCase[] = [
  { label: 'static', spec: { name: 'static' }, sparsity: ERK_80, sparseSteps: 'some' },
  { label: 'set', spec: { name: 'set', update: EVERY_3 }, sparsity: ERK_80, sparseSteps: 'some' },
  { label: 'rigl', spec: { name: 'rigl', update: EVERY_3 }, sparsity: ERK_80, sparseSteps: 'some' },
  { label: 'snfs', spec: { name: 'snfs', update: EVERY_3, redistribution: 'none' }, sparsity: ERK_80, sparseSteps: 'none' },
  {
    label: 'gmp',
    spec: { name: 'gmp', startStep: 2, end: { kind: 'fraction', fraction: 0.75 }, intervalSteps: 3, stepConvention: 'after-interval', scope: 'per-layer', initialSparsity: 0 },
    sparsity: { target: 0.8 },
    sparseSteps: 'some',
  },
  { label: 'dense', spec: { name: 'dense' }, sparsity: undefined, sparseSteps: 'none' },
];

interface StepTrace {
  weights: Map<string, Float32Array>;
  masks: Map<string, Float32Array>;
  sparse: boolean;
}

interface RunTrace {
  steps: StepTrace[];
  /** Problems seen during the run (grown weights not 0 right after an update, inactive weights not 0). */
  violations: string[];
}

function normals(n: number, ...key: (string | number)[]): Float32Array {
  const rng = keyedRandom(...key);
  return Float32Array.from({ length: n }, () => rng.nextNormal());
}

function maskCopies(controller: SparseController): Map<string, Float32Array> {
  return new Map([...controller.masks()].map(([name, m]) => [name, Float32Array.from(m.dataSync() as Float32Array)]));
}

/**
 * STEPS steps of the training loop's order (trainers/train-loop.ts) on the native backend: forward
 * and backward with the step's layouts, mask update (then refresh) or SGD step.
 */
function trainSteps(c: MethodCase, sparse: boolean, size: { side: number; hidden: number[]; batch: number } = { side: 8, hidden: [24, 12], batch: BATCH }): RunTrace {
  const seed = 3;
  const method = getMethod(c.spec.name);
  const modelSpec: ModelSpec = { ...MODEL, hiddenSizes: size.hidden } as ModelSpec;
  const input = { height: size.side, width: size.side, channels: 1 };
  const model: TrainableModel = buildModel(method.resolveModel(modelSpec, c.spec, c.sparsity), input, 10, seed);
  const controller = method.create({ method: c.spec, sparsity: c.sparsity, layers: model.description.weightLayers, seed, totalSteps: TOTAL_STEPS });
  const optimizer = new SgdOptimizer(model.params, { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4, weightDecayExclude: 'none' });
  const weightParams = model.params.filter((p) => p.layer !== null);
  const weightsByLayer = new Map(weightParams.map((p) => [p.layer!, p.variable]));
  const slotsByLayer = new Map(weightParams.map((p) => [p.layer!, optimizer.slotsOf(p.name)]));
  controller.applyInitialMasks(weightsByLayer);
  const layouts = createStepLayouts(model, controller, { enabled: sparse, maxDensity: 1 });
  layouts.refresh();
  const trace: RunTrace = { steps: [], violations: [] };
  for (let step = 0; step < STEPS; step++) {
    const stepLayouts = layouts.forStep(step);
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor4d(normals(size.batch * size.side * size.side, 'x', step), [size.batch, size.side, size.side, 1]);
      const y = tf.tensor1d(Int32Array.from({ length: size.batch }, (_, k) => (k * 7 + step) % 10), 'int32');
      return tf.variableGrads(
        () => softmaxCrossEntropy(model.apply(x, true, [seed, 'dropout', step], stepLayouts), y, 10, 0),
        model.params.map((p) => p.variable),
      );
    });
    value.dispose();
    const gradsByParam = new Map(model.params.map((p) => [p.name, grads[p.variable.name]!]));
    const step_ = { learningRate: 0.05, gradients: gradsByParam, masks: controller.masks(), denseMomentum: controller.denseMomentum };
    if (controller.isUpdateStep(step)) {
      const before = maskCopies(controller);
      controller.update({ step, weights: weightsByLayer, gradients: new Map(weightParams.map((p) => [p.layer!, gradsByParam.get(p.name)!])), slots: slotsByLayer });
      layouts.refresh();
      for (const [name, after] of maskCopies(controller)) {
        const w = weightsByLayer.get(name)!.dataSync();
        const grownNonZero = after.filter((v, k) => v === 1 && before.get(name)![k] === 0 && w[k] !== 0).length;
        if (grownNonZero > 0) trace.violations.push(`step ${step} ${name}: ${grownNonZero} grown weights are not 0`);
      }
      if (!controller.replacesOptimizerStep) optimizer.step(step_);
    } else {
      optimizer.step(step_);
    }
    tf.dispose(Object.values(grads));
    const masks = maskCopies(controller);
    const weights = new Map(weightParams.map((p) => [p.layer!, Float32Array.from(p.variable.dataSync() as Float32Array)]));
    for (const [name, mask] of masks) {
      const inactive = weights.get(name)!.filter((v, k) => mask[k] === 0 && v !== 0).length;
      if (inactive > 0) trace.violations.push(`step ${step} ${name}: ${inactive} inactive weights are not 0`);
    }
    trace.steps.push({ weights, masks, sparse: stepLayouts !== undefined });
  }
  optimizer.dispose();
  controller.dispose();
  model.dispose();
  return trace;
}

/** Largest |a − b| / (1 + |b|) over two runs' weights. */
function largestDifference(a: RunTrace, b: RunTrace): number {
  let worst = 0;
  a.steps.forEach((s, k) => {
    for (const [name, wa] of s.weights) {
      const wb = b.steps[k]!.weights.get(name)!;
      for (let i = 0; i < wa.length; i++) worst = Math.max(worst, Math.abs(wa[i]! - wb[i]!) / (1 + Math.abs(wb[i]!)));
    }
  });
  return worst;
}

const skipped = NATIVE_AVAILABLE ? '' : ` (skipped: ${nativeSkipReason()})`;

describe.skipIf(!NATIVE_AVAILABLE)(`sparse kernels in training steps, per method${skipped}`, () => {
  beforeAll(async () => {
    expect((await initNativeCpuBackend(2)).ok).toBe(true);
  });

  it.each(METHOD_CASES)('$label: sparse path on and off give the same weights and masks; inactive stay 0, grown start at 0', (c) => {
    const on = trainSteps(c, true);
    const off = trainSteps(c, false);
    expect(on.violations).toEqual([]);
    expect(off.violations).toEqual([]);
    expect(off.steps.every((s) => !s.sparse)).toBe(true);
    if (c.sparseSteps === 'none') expect(on.steps.some((s) => s.sparse)).toBe(false);
    else expect(on.steps.filter((s) => s.sparse).length).toBeGreaterThan(STEPS / 2);
    on.steps.forEach((s, k) => expect(s.masks, `masks after step ${k}`).toEqual(off.steps[k]!.masks));
    // float32 rounding of differently ordered sums, carried through 12 SGD steps.
    expect(largestDifference(on, off)).toBeLessThan(1e-6);
    // Not vacuous: the weights moved.
    expect(largestDifference({ ...on, steps: [on.steps.at(-1)!] }, { ...on, steps: [on.steps[0]!] })).toBeGreaterThan(1e-3);
  });

  it('RigL steps on the sparse path are bit-identical on 1 and 2 threads', async () => {
    const rigl = METHOD_CASES.find((m) => m.label === 'rigl')!;
    // Big enough for the kernels to split their work over the pool.
    const size = { side: 28, hidden: [96, 48], batch: 64 };
    expect((await initNativeCpuBackend(1)).ok).toBe(true);
    const one = trainSteps(rigl, true, size);
    expect((await initNativeCpuBackend(2)).ok).toBe(true);
    const two = trainSteps(rigl, true, size);
    expect(two.steps.filter((s) => s.sparse).length).toBeGreaterThan(STEPS / 2);
    one.steps.forEach((s, k) => {
      for (const [name, w] of s.weights) {
        const other = two.steps[k]!.weights.get(name)!;
        expect(Buffer.from(w.buffer).equals(Buffer.from(other.buffer)), `${name} after step ${k}`).toBe(true);
      }
    });
  });

  it('RigL runs dense kernels on its update steps only', () => {
    const rigl = METHOD_CASES.find((m) => m.label === 'rigl')!;
    const on = trainSteps(rigl, true);
    // after-interval cadence with interval 3: updates at steps 2, 5, 8, 11.
    expect(on.steps.map((s) => s.sparse)).toEqual(on.steps.map((_, step) => ![2, 5, 8, 11].includes(step)));
  });
});

describe('createStepLayouts', () => {
  const spec: MethodSpec = { name: 'rigl', update: EVERY_3 };
  function setup(): { model: TrainableModel; controller: SparseController; dispose(): void } {
    const method = getMethod('rigl');
    const model = buildModel(MODEL, INPUT, 10, 0);
    const controller = method.create({ method: spec, sparsity: ERK_80, layers: model.description.weightLayers, seed: 0, totalSteps: TOTAL_STEPS });
    controller.applyInitialMasks(new Map(model.params.filter((p) => p.layer !== null).map((p) => [p.layer!, p.variable])));
    return { model, controller, dispose: () => (controller.dispose(), model.dispose()) };
  }
  afterEach(() => {
    delete process.env.RIGL_NATIVE_SPARSE;
  });

  it('is off on backends other than native, and when told so', async () => {
    await tf.setBackend('cpu');
    const { model, controller, dispose } = setup();
    const layouts = createStepLayouts(model, controller);
    layouts.refresh();
    expect(layouts.forStep(0)).toBeUndefined();
    expect(layouts.forEval()).toBeUndefined();
    const forced = createStepLayouts(model, controller, { enabled: false });
    forced.refresh();
    expect(forced.forEval()).toBeUndefined();
    dispose();
  });

  it('builds layouts of the masked dense layers at or under maxDensity, none on dense-gradient steps', async () => {
    await tf.setBackend('cpu');
    const { model, controller, dispose } = setup();
    const all = createStepLayouts(model, controller, { enabled: true, maxDensity: 1 });
    expect(all.forStep(0)).toBeUndefined(); // before the first refresh
    all.refresh();
    const layouts = all.forStep(0)!;
    expect([...layouts.keys()].sort()).toEqual([...controller.masks().keys()].sort());
    for (const [name, layout] of layouts) {
      const active = Array.from(controller.masks().get(name)!.dataSync()).filter((v) => v !== 0).length;
      expect(layout.nnz).toBe(active);
    }
    expect(all.forStep(2)).toBeUndefined(); // a RigL update step: dense gradient
    expect(all.forEval()).toBe(layouts);
    const sparseOnly = createStepLayouts(model, controller, { enabled: true, maxDensity: 0.3 });
    sparseOnly.refresh();
    const kept = [...(sparseOnly.forStep(0)?.values() ?? [])];
    expect(kept.every((l) => l.nnz <= 0.3 * l.inputs * l.outputs)).toBe(true);
    expect(kept.length).toBeLessThan(layouts.size);
    expect(() => createStepLayouts(model, controller, { maxDensity: 1.5 })).toThrow(/'maxDensity' .* must be in \[0, 1\] but got 1.5/);
    dispose();
  });

  it.skipIf(!NATIVE_AVAILABLE)('RIGL_NATIVE_SPARSE=off turns the default off on native', async () => {
    expect((await initNativeCpuBackend(1)).ok).toBe(true);
    const { model, controller, dispose } = setup();
    const on = createStepLayouts(model, controller);
    on.refresh();
    expect(on.forEval()).toBeDefined();
    process.env.RIGL_NATIVE_SPARSE = 'off';
    const off = createStepLayouts(model, controller);
    off.refresh();
    expect(off.forEval()).toBeUndefined();
    dispose();
  });
});

describe.skipIf(!NATIVE_AVAILABLE)(`the training loop on native with and without sparse kernels${skipped}`, () => {
  let data: Awaited<ReturnType<typeof tinyDataset>>;
  beforeAll(async () => {
    data = await tinyDataset();
  });
  afterAll(async () => {
    delete process.env.RIGL_NATIVE_SPARSE;
    await data.cleanup();
  });

  it('ends a tiny RigL run with the same masks and, within rounding, the same loss', async () => {
    const manifest = tinyManifest(data.spec, 'native');
    delete process.env.RIGL_NATIVE_SPARSE;
    const sparse = await trainRun(tinyOptions(manifest, data.dataDir));
    process.env.RIGL_NATIVE_SPARSE = 'off';
    const dense = await trainRun(tinyOptions(manifest, data.dataDir));
    expect(sparse.backend.name).toBe('native');
    expect(sparse.layers).toEqual(dense.layers);
    expect(sparse.maskUpdates).toBe(dense.maskUpdates);
    expect(Math.abs(sparse.metrics.finalTrainLoss - dense.metrics.finalTrainLoss)).toBeLessThan(1e-4 * dense.metrics.finalTrainLoss);
    // 200 test images: at most one prediction may flip on a near-tie.
    expect(Math.abs(sparse.metrics.testAccuracy - dense.metrics.testAccuracy)).toBeLessThanOrEqual(0.5);
  });
});
