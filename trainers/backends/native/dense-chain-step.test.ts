import * as tf from '@tensorflow/tfjs-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import '../gradients.ts';
import { getMethod } from '../../methods/registry.ts';
import { schedule } from '../../methods/training.fixture.ts';
import type { SparseController } from '../../methods/types.ts';
import { buildModel } from '../../models/index.ts';
import type { TrainableModel } from '../../models/types.ts';
import { SgdOptimizer } from '../../optim/sgd.ts';
import { keyedRandom } from '../../random.ts';
import type { MethodSpec, ModelSpec, OptimizerSpec, SparsitySpec } from '../../run-manifest.ts';
import { createStepLayouts, type StepLayouts } from '../../step-layouts.ts';
import { trainRun } from '../../train.ts';
import { softmaxCrossEntropy } from '../../train-loop.ts';
import { tinyDataset, tinyManifest, tinyOptions } from '../../testing/tiny-run.ts';
import { initNativeCpuBackend } from './backend.ts';
import { createDenseChainStep, fusedStepDescription, fusedStepsRun } from './dense-chain-step.ts';
import { NATIVE_AVAILABLE, nativeSkipReason } from './native.fixture.ts';
import { buildSparseLayout } from './sparse-layout.ts';

const skipped = NATIVE_AVAILABLE ? '' : ` (skipped: ${nativeSkipReason()})`;
const SIDE = 12;
const INPUT = { height: SIDE, width: SIDE, channels: 1 };
const CLASSES = 10;
const ERK_90: SparsitySpec = { target: 0.9, distribution: { kind: 'erk', denseLayers: [], powerScale: 1 } };
const MOMENTUM: OptimizerSpec = { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4, weightDecayExclude: 'none' };

interface Setup {
  model: TrainableModel;
  controller: SparseController;
  optimizer: SgdOptimizer;
  layouts: StepLayouts;
  dispose(): void;
}

/** An MLP under `method` with its initial masks and step layouts (layers up to maxDensity run sparse). */
function setup(method: MethodSpec, sparsity: SparsitySpec | undefined, optimizerSpec: OptimizerSpec, maxDensity = 0.25, hidden = [48, 24]): Setup {
  const m = getMethod(method.name);
  const spec = { name: 'mlp', hiddenSizes: hidden, init: 'torch-linear-default' } as ModelSpec;
  const model = buildModel(m.resolveModel(spec, method, sparsity), INPUT, CLASSES, 7);
  const controller = m.create({ method, sparsity, layers: model.description.weightLayers, seed: 7, totalSteps: 40 });
  controller.applyInitialMasks(new Map(model.params.filter((p) => p.layer !== null).map((p) => [p.layer!, p.variable])));
  const optimizer = new SgdOptimizer(model.params, optimizerSpec);
  const layouts = createStepLayouts(model, controller, { enabled: true, maxDensity });
  layouts.refresh();
  return { model, controller, optimizer, layouts, dispose: () => (optimizer.dispose(), controller.dispose(), model.dispose()) };
}

function batchOf(size: number, step: number): { x: Float32Array; labels: Int32Array } {
  const rng = keyedRandom('fused-step-batch', step);
  return {
    x: Float32Array.from({ length: size * SIDE * SIDE }, () => rng.nextNormal()),
    labels: Int32Array.from({ length: size }, () => rng.nextInt(CLASSES)),
  };
}

/** The training loop's tensor path for a step that is no mask update: autograd, then SgdOptimizer.step. */
function tensorStep(s: Setup, step: number, size: number, lr: number, smoothing: number): number {
  const { x, labels } = batchOf(size, step);
  const layouts = s.layouts.forStep(step);
  const { value, grads } = tf.tidy(() =>
    tf.variableGrads(
      () => softmaxCrossEntropy(s.model.apply(tf.tensor4d(x, [size, SIDE, SIDE, 1]), true, [7, 'dropout', step], layouts), tf.tensor1d(labels, 'int32'), CLASSES, smoothing),
      s.model.params.map((p) => p.variable),
    ),
  );
  const loss = value.dataSync()[0]!;
  s.optimizer.step({
    learningRate: lr,
    gradients: new Map(s.model.params.map((p) => [p.name, grads[p.variable.name]!])),
    masks: s.controller.masks(),
    denseMomentum: s.controller.denseMomentum,
    sparseLayouts: layouts,
  });
  tf.dispose([value, ...Object.values(grads)]);
  return loss;
}

/** Every parameter and momentum buffer, copied. */
function snapshot(s: Setup): Float32Array[] {
  return [...s.model.params.map((p) => p.variable), ...s.optimizer.namedSlots().map((n) => n.variable)].map((v) => Float32Array.from(v.dataSync() as Float32Array));
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const STATIC: MethodSpec = { name: 'static' };
const RIGL: MethodSpec = { name: 'rigl', update: schedule({ intervalSteps: 4 }) };

describe.skipIf(!NATIVE_AVAILABLE)(`the native fused step of a dense-chain model${skipped}`, () => {
  beforeAll(async () => {
    expect((await initNativeCpuBackend(2)).ok).toBe(true);
  });
  afterEach(() => {
    delete process.env.RIGL_NATIVE_FUSED;
  });

  interface EquivalenceCase {
    label: string;
    method: MethodSpec;
    sparsity: SparsitySpec | undefined;
    optimizer: OptimizerSpec;
    maxDensity: number;
    smoothing: number;
    hidden?: number[];
    sizes?: number[];
  }
  const NESTEROV_WEIGHTS_ONLY: OptimizerSpec = { ...MOMENTUM, nesterov: true, weightDecayExclude: 'biases-and-norms' };
  const cases: EquivalenceCase[] = [
    { label: 'static ERK 0.9, sparse and dense-masked layers, momentum + decay', method: STATIC, sparsity: ERK_90, optimizer: MOMENTUM, maxDensity: 0.25, smoothing: 0 },
    { label: 'static ERK 0.9, every layer sparse, Nesterov, decay on weights only, label smoothing', method: STATIC, sparsity: ERK_90, optimizer: NESTEROV_WEIGHTS_ONLY, maxDensity: 1, smoothing: 0.1 },
    { label: 'static ERK 0.9, every layer dense-masked, no momentum', method: STATIC, sparsity: ERK_90, optimizer: { ...MOMENTUM, momentum: 0, weightDecay: 0 }, maxDensity: 0, smoothing: 0 },
    { label: 'dense (no masks)', method: { name: 'dense' }, sparsity: undefined, optimizer: MOMENTUM, maxDensity: 0.25, smoothing: 0.1 },
    // Dense momentum: no layouts (SNFS needs dense gradients), masked SGD with the dense gradient in the momentum.
    { label: 'SNFS ERK 0.9 (dense momentum)', method: { name: 'snfs', update: schedule({ intervalSteps: 4 }), redistribution: 'momentum' }, sparsity: ERK_90, optimizer: MOMENTUM, maxDensity: 0.25, smoothing: 0 },
    // Big enough that the sparse kernels and the SGEMMs split their work over the 2-thread pool.
    { label: 'wide static ERK 0.9 on 2 threads, Nesterov', method: STATIC, sparsity: ERK_90, optimizer: NESTEROV_WEIGHTS_ONLY, maxDensity: 0.25, smoothing: 0, hidden: [400, 300], sizes: [130, 1, 200, 17] },
    { label: 'wide dense on 2 threads, momentum 0 with decay', method: { name: 'dense' }, sparsity: undefined, optimizer: { ...MOMENTUM, momentum: 0 }, maxDensity: 0.25, smoothing: 0, hidden: [400, 300], sizes: [130, 200] },
  ];

  it.each(cases.map((c) => [c.label, c] as const))('%s: the same loss and bits as the tensor path, step by step', (_, c) => {
    const tensor = setup(c.method, c.sparsity, c.optimizer, c.maxDensity, c.hidden);
    const fused = setup(c.method, c.sparsity, c.optimizer, c.maxDensity, c.hidden);
    const step = createDenseChainStep(fused.model, fused.optimizer, { numClasses: CLASSES, labelSmoothing: c.smoothing })!;
    expect(step).not.toBeNull();
    const start = snapshot(fused);
    // A partial batch in the middle: the buffers are sized for the largest batch seen.
    const sizes = c.sizes ?? [32, 32, 9, 32, 32, 40];
    const ranBefore = fusedStepsRun();
    sizes.forEach((size, k) => {
      const want = tensorStep(tensor, k, size, 0.05, c.smoothing);
      const got = step.run({
        ...batchOf(size, k),
        batchSize: size,
        learningRate: 0.05,
        layouts: fused.layouts.forStep(k),
        masks: fused.controller.masks(),
        denseMomentum: fused.controller.denseMomentum,
      });
      expect(got, `loss at step ${k}`).toBe(want);
      const a = snapshot(tensor);
      const b = snapshot(fused);
      a.forEach((v, i) => expect(sameBits(v, b[i]!), `array ${i} after step ${k}`).toBe(true));
    });
    expect(fusedStepsRun() - ranBefore).toBe(sizes.length);
    if (c.hidden !== undefined && c.sparsity !== undefined) expect([...fused.layouts.forStep(0)!.keys()]).toContain('fc1');
    // Not vacuous: the weights moved, and inactive weights stayed 0.
    const end = snapshot(fused);
    expect(end.some((v, i) => !sameBits(v, start[i]!))).toBe(true);
    for (const p of fused.model.params) {
      const mask = p.layer === null ? undefined : fused.controller.masks().get(p.layer);
      if (mask === undefined) continue;
      const m = mask.dataSync();
      expect((p.variable.dataSync() as Float32Array).filter((v, k) => m[k] === 0 && v !== 0).length).toBe(0);
    }
    tensor.dispose();
    fused.dispose();
  });

  it('gives the same bits on 1 and 2 threads with sparse kernels split over the pool', async () => {
    const results: Float32Array[][] = [];
    for (const threads of [1, 2]) {
      expect((await initNativeCpuBackend(threads)).ok).toBe(true);
      // fc1 144×192 at ERK 0.9 is sparse; big enough to split over the pool.
      const s = setup(STATIC, ERK_90, MOMENTUM, 0.25, [192, 96]);
      expect([...s.layouts.forStep(0)!.keys()]).toContain('fc1');
      const step = createDenseChainStep(s.model, s.optimizer, { numClasses: CLASSES, labelSmoothing: 0 })!;
      for (let k = 0; k < 4; k++) step.run({ ...batchOf(130, k), batchSize: 130, learningRate: 0.05, layouts: s.layouts.forStep(k), masks: s.controller.masks(), denseMomentum: false });
      results.push(snapshot(s));
      s.dispose();
    }
    results[0]!.forEach((v, i) => expect(sameBits(v, results[1]![i]!), `array ${i}`).toBe(true));
  });

  it('declines, changing nothing, when a variable is shared, for dense momentum with sparse layouts, and off native', async () => {
    const s = setup(STATIC, ERK_90, MOMENTUM);
    const step = createDenseChainStep(s.model, s.optimizer, { numClasses: CLASSES, labelSmoothing: 0 })!;
    const input = { ...batchOf(16, 0), batchSize: 16, learningRate: 0.05, layouts: s.layouts.forStep(0), masks: s.controller.masks(), denseMomentum: false };
    const before = snapshot(s);
    // A clone shares the weight's data: an in-place update would show through it.
    const alias = s.model.params[0]!.variable.clone();
    expect(step.run(input)).toBeNull();
    alias.dispose();
    expect(step.run({ ...input, denseMomentum: true })).toBeNull();
    snapshot(s).forEach((v, i) => expect(sameBits(v, before[i]!)).toBe(true));
    expect(() => step.run({ ...input, x: new Float32Array(10) })).toThrow(/a batch of 16 needs 2304 inputs/);
    // A layout of the wrong shape for fc1 fails before any layer is stepped.
    const wrong = new Map(input.layouts!);
    wrong.set('fc1', s.layouts.forStep(0)!.get('fc2') ?? buildSparseLayout(new Float32Array(6), 2, 3));
    expect(() => step.run({ ...input, layouts: wrong })).toThrow(/the sparse layout of 'fc1' is for a \[/);
    snapshot(s).forEach((v, i) => expect(sameBits(v, before[i]!)).toBe(true));
    expect(step.run(input)).toEqual(expect.any(Number));
    await tf.setBackend('cpu');
    expect(createDenseChainStep(s.model, s.optimizer, { numClasses: CLASSES, labelSmoothing: 0 })).toBeNull();
    expect(step.run(input)).toBeNull();
    expect((await initNativeCpuBackend(2)).ok).toBe(true);
    s.dispose();
  });

  it('is not offered for other models, another class count, or with RIGL_NATIVE_FUSED=off', () => {
    const s = setup(STATIC, ERK_90, MOMENTUM);
    expect(createDenseChainStep(s.model, s.optimizer, { numClasses: 11, labelSmoothing: 0 })).toBeNull();
    process.env.RIGL_NATIVE_FUSED = 'off';
    expect(createDenseChainStep(s.model, s.optimizer, { numClasses: CLASSES, labelSmoothing: 0 })).toBeNull();
    expect(fusedStepDescription()).toMatch(/^off \(RIGL_NATIVE_FUSED=off\)/);
    s.dispose();
    const lenet = buildModel({ name: 'lenet5-caffe', init: 'torch-default', widthMultiplier: 0.25 } as ModelSpec, { height: 28, width: 28, channels: 1 }, CLASSES, 0);
    expect(lenet.denseChain).toBeUndefined();
    const optimizer = new SgdOptimizer(lenet.params, MOMENTUM);
    delete process.env.RIGL_NATIVE_FUSED;
    expect(createDenseChainStep(lenet, optimizer, { numClasses: CLASSES, labelSmoothing: 0 })).toBeNull();
    optimizer.dispose();
    lenet.dispose();
  });
});

describe.skipIf(!NATIVE_AVAILABLE)(`the training loop on native with and without the fused step${skipped}`, () => {
  let data: Awaited<ReturnType<typeof tinyDataset>>;
  beforeAll(async () => {
    data = await tinyDataset();
  });
  afterAll(async () => {
    delete process.env.RIGL_NATIVE_FUSED;
    await data.cleanup();
  });

  it.each([
    ['RigL (mask updates on the tensor path, the other steps fused)', undefined],
    ['SET', { name: 'set', update: RIGL.update } as MethodSpec],
    ['dense', { name: 'dense' } as MethodSpec],
    ['SNFS (dense momentum)', { name: 'snfs', update: RIGL.update, redistribution: 'momentum' } as MethodSpec],
  ] as const)('%s: a tiny run ends with the same metrics bit for bit', async (_, method) => {
    const manifest = tinyManifest(data.spec, 'native', method === undefined ? {} : { method });
    if (method?.name === 'dense') delete (manifest as { sparsity?: unknown }).sparsity;
    delete process.env.RIGL_NATIVE_FUSED;
    const before = fusedStepsRun();
    const fused = await trainRun(tinyOptions(manifest, data.dataDir));
    const ran = fusedStepsRun() - before;
    process.env.RIGL_NATIVE_FUSED = 'off';
    const tensor = await trainRun(tinyOptions(manifest, data.dataDir));
    // 600 examples in batches of 50, 3 epochs: 36 steps; the mask updates take the tensor path,
    // every other step the fused one.
    expect(ran).toBe(36 - fused.maskUpdates);
    expect(fusedStepsRun() - before).toBe(ran);
    expect(fused.backend.name).toBe('native');
    expect(fused.backend.details.fusedStep).toMatch(/^dense-chain models/);
    expect(tensor.backend.details.fusedStep).toMatch(/^off/);
    expect(fused.layers).toEqual(tensor.layers);
    expect(fused.metrics.finalTrainLoss).toBe(tensor.metrics.finalTrainLoss);
    expect(fused.metrics.testAccuracy).toBe(tensor.metrics.testAccuracy);
  });
});
