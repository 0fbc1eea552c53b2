/**
 * The timed tfjs work: one training step per model, and one RigL mask update. Each step is the
 * step of trainers/train-loop.ts (runTrainingLoop), line for line: the batch is uploaded from host
 * memory, `tf.variableGrads` of `softmaxCrossEntropy(model.apply(x, true, dropoutKey))` over every
 * parameter, the loss read back, then `SgdOptimizer.step` with the controller's masks (gradients
 * masked before momentum) — built with the real `buildModel`, `getMethod('rigl')` and
 * `SgdOptimizer`. On the sparse path (catalogue.ts MaskedLayerPath) the step layouts of
 * trainers/step-layouts.ts go to `model.apply`, created, refreshed and asked per step as the loop
 * does (sparse-path.ts). Where the loop trains through the native fused step of a dense-chain
 * model (trainers/backends/native/dense-chain-step.ts: the MLPs on native), so does the case,
 * falling back to the tensor path exactly when the loop does. What differs from a run: fixed random inputs instead of Fashion-MNIST (as
 * the PyTorch peer does) and the peer's optimizer settings (recipe.ts).
 *
 * The caller makes the backend active first (`selectBackend`); variables live on it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createDenseChainStep } from '../../trainers/backends/native/dense-chain-step.ts';
import { batchCount } from '../../trainers/datasets/batches.ts';
import { getMethod } from '../../trainers/methods/registry.ts';
import type { MethodContext, SparseController } from '../../trainers/methods/types.ts';
import { buildModel } from '../../trainers/models/index.ts';
import { initialValues } from '../../trainers/models/init.ts';
import { addChannelBias, conv2d } from '../../trainers/models/ops.ts';
import { ZERO, heNormalFanOut } from '../../trainers/models/plan.ts';
import type { InputShape, ModelParam, TrainableModel } from '../../trainers/models/types.ts';
import { SgdOptimizer } from '../../trainers/optim/sgd.ts';
import { keyedRandom } from '../../trainers/random.ts';
import type { RunManifest } from '../../trainers/run-manifest.ts';
import { softmaxCrossEntropy } from '../../trainers/train-loop.ts';
import type { MaskedLayerPath, StepModel } from '../catalogue.ts';
import { FMNIST_CLASSES, FMNIST_INPUT, FMNIST_TRAIN_COUNT, LENET5_SPEC, PEER_LEARNING_RATE, PEER_OPTIMIZER, quickRecipe, recipeAtSparsity } from '../recipe.ts';
import { createSparsePath, sparseLayerNames, type SparsePath, type StepLayoutsOfStep } from './sparse-path.ts';

/** One unit of timed work, repeatable; `run` returns a number read back from the backend. */
export interface TimedCase {
  run(): number;
  /**
   * RigL steps: the weight layers the last call ran through sparse kernels ([] = dense-masked
   * everywhere); undefined for work without masks.
   */
  sparseLayers?: () => string[];
  /** Puts the state back before a call (untimed), for work that changes what the next call does. */
  reset?: () => void;
  dispose(): void;
}

/** Thrown when a timed step produces a non-finite loss: the timing would be of broken arithmetic. */
export class BenchArithmeticError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchArithmeticError';
  }
}

const NO_MASKS: ReadonlyMap<string, tf.Tensor> = new Map();

function normals(size: number, ...key: (string | number)[]): Float32Array {
  const rng = keyedRandom(...key);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.nextNormal();
  return out;
}

function labels(count: number, classes: number, ...key: (string | number)[]): Int32Array {
  const rng = keyedRandom(...key);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.nextInt(classes);
  return out;
}

/** A fixed random batch in the trainer's host layout (NHWC floats, int32 labels). */
interface HostBatch {
  x: Float32Array;
  labels: Int32Array;
  size: number;
  input: InputShape;
}

function hostBatch(size: number, input: InputShape, seed: number, purpose: string): HostBatch {
  return {
    x: normals(size * input.height * input.width * input.channels, seed, 'bench', purpose, 'x'),
    labels: labels(size, FMNIST_CLASSES, seed, 'bench', purpose, 'labels'),
    size,
    input,
  };
}

/**
 * Gradients of the training loss for every parameter, as the loop computes them: dense, or through
 * the sparse kernels when the step's layouts are given.
 */
function lossAndGradients(model: TrainableModel, batch: HostBatch, seed: number, step: number, layouts?: StepLayoutsOfStep): { loss: number; grads: tf.NamedTensorMap } {
  const { height, width, channels } = batch.input;
  const { value, grads } = tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [batch.size, height, width, channels]);
    const y = tf.tensor1d(batch.labels, 'int32');
    return tf.variableGrads(
      () => softmaxCrossEntropy(model.apply(x, true, [seed, 'dropout', step], layouts), y, FMNIST_CLASSES, 0),
      model.params.map((p) => p.variable),
    );
  });
  const loss = value.dataSync()[0]!;
  value.dispose();
  if (!Number.isFinite(loss)) {
    tf.dispose(Object.values(grads));
    throw new BenchArithmeticError(`the training loss is ${loss} at step ${step}`);
  }
  return { loss, grads };
}

/** The model and, for RigL, its controller with the initial ERK masks applied. */
function buildRecipeModel(recipe: RunManifest, sparse: boolean, seed: number): { model: TrainableModel; controller: SparseController | null } {
  if (!sparse) return { model: buildModel(recipe.model, FMNIST_INPUT, FMNIST_CLASSES, seed), controller: null };
  if (recipe.method.name !== 'rigl') throw new RangeError(`the quick manifest's method must be 'rigl' for the RigL cases but is '${recipe.method.name}'`);
  const method = getMethod('rigl');
  const model = buildModel(method.resolveModel(recipe.model, recipe.method, recipe.sparsity), FMNIST_INPUT, FMNIST_CLASSES, seed);
  const context: MethodContext = {
    method: recipe.method,
    sparsity: recipe.sparsity,
    layers: model.description.weightLayers,
    seed,
    totalSteps: batchCount(FMNIST_TRAIN_COUNT, recipe.training.batchSize, recipe.training.keepLastPartialBatch) * recipe.training.epochs,
  };
  const controller = method.create(context);
  const weights = new Map(model.params.filter((p) => p.layer !== null).map((p) => [p.layer!, p.variable]));
  controller.applyInitialMasks(weights);
  return { model, controller };
}

/** What a step case trains on: the RigL step's sparsity and path (ignored by the dense models). */
export interface StepCaseOptions {
  /** ERK sparsity of the RigL masks; default the quick manifest's (0.9). */
  sparsity?: number;
  /** Default 'dense-masked'. */
  maskedPath?: MaskedLayerPath;
  seed?: number;
}

async function modelStepCase(which: 'mlp' | 'lenet5' | 'rigl-mlp', batchSize: number, options: StepCaseOptions): Promise<TimedCase> {
  const seed = options.seed ?? 0;
  const quick = await quickRecipe();
  const recipe = options.sparsity === undefined ? quick : recipeAtSparsity(quick, options.sparsity);
  const built =
    which === 'lenet5'
      ? { model: buildModel(LENET5_SPEC, FMNIST_INPUT, FMNIST_CLASSES, seed), controller: null }
      : buildRecipeModel(recipe, which === 'rigl-mlp', seed);
  const { model, controller } = built;
  const optimizer = new SgdOptimizer(model.params, PEER_OPTIMIZER);
  const batch = hostBatch(batchSize, FMNIST_INPUT, seed, which);
  const sparsePath: SparsePath | null = controller !== null && options.maskedPath === 'sparse' ? createSparsePath(model, controller) : null;
  const fusedStep = createDenseChainStep(model, optimizer, { numClasses: FMNIST_CLASSES, labelSmoothing: 0 });
  let nextStep = 0;
  let lastSparse: string[] = [];
  return {
    run() {
      // A non-update step of RigL; update steps are timed by the mask-update case.
      while (controller?.isUpdateStep(nextStep) === true) nextStep++;
      const step = nextStep++;
      const layouts = sparsePath?.layoutsFor(step);
      lastSparse = sparseLayerNames(layouts);
      const masks = controller?.masks() ?? NO_MASKS;
      const denseMomentum = controller?.denseMomentum ?? false;
      // As the loop: the fused step where it runs (every step but mask updates, which this case skips).
      if (fusedStep !== null) {
        const fusedLoss = fusedStep.run({ x: batch.x, labels: batch.labels, batchSize: batch.size, learningRate: PEER_LEARNING_RATE, layouts, masks, denseMomentum });
        if (fusedLoss !== null) {
          if (!Number.isFinite(fusedLoss)) throw new BenchArithmeticError(`the training loss is ${fusedLoss} at step ${step}`);
          controller?.recordStep(step);
          return fusedLoss;
        }
      }
      const { loss, grads } = lossAndGradients(model, batch, seed, step, layouts);
      const gradients = new Map(model.params.map((p) => [p.name, grads[p.variable.name]!]));
      optimizer.step({
        learningRate: PEER_LEARNING_RATE,
        gradients,
        masks,
        denseMomentum,
        // As the loop: layers that ran sparse kernels update their active entries only.
        sparseLayouts: layouts,
      });
      tf.dispose(Object.values(grads));
      controller?.recordStep(step);
      return loss;
    },
    ...(controller === null ? {} : { sparseLayers: () => lastSparse }),
    dispose() {
      optimizer.dispose();
      controller?.dispose();
      model.dispose();
    },
  };
}

/** WRN-22-2's first-group conv: 3×3, 32→32, padding 1, on 32×32 maps (trainers/models/wrn.ts). */
const WRN_CONV = { size: 32, channels: 32, kernel: 3 } as const;

/**
 * One conv of a WRN-22-2 block as steps.py `wrn-conv` times it: y = conv(x) + b with the model's
 * conv2d (PyTorch padding) and addChannelBias, loss = mean(y · R) for a fixed random R, gradients
 * for the weight, the bias and the input (a conv inside a block passes its gradient on), and the
 * SGD step on weight and bias. The input is already on the backend, as an activation would be.
 */
function wrnConvStepCase(batchSize: number, seed: number): TimedCase {
  const { size, channels, kernel } = WRN_CONV;
  const shape: [number, number, number, number] = [batchSize, size, size, channels];
  const activations = shape.reduce((a, b) => a * b, 1);
  const x = tf.tensor4d(normals(activations, seed, 'bench', 'wrn-conv', 'x'), shape);
  const r = tf.tensor4d(normals(activations, seed, 'bench', 'wrn-conv', 'r'), shape);
  const weightShape = [kernel, kernel, channels, channels];
  const variableOf = (values: Float32Array, variableShape: number[]): tf.Variable => tf.tidy(() => tf.variable(tf.tensor(values, variableShape)));
  const params: ModelParam[] = [
    { name: 'conv.weight', role: 'weight', layer: null, variable: variableOf(initialValues(seed, 'conv.weight', weightShape, heNormalFanOut(kernel, channels)), weightShape) },
    { name: 'conv.bias', role: 'bias', layer: null, variable: variableOf(initialValues(seed, 'conv.bias', [channels], ZERO), [channels]) },
  ];
  const [weight, bias] = params.map((p) => p.variable) as [tf.Variable, tf.Variable];
  const optimizer = new SgdOptimizer(params, PEER_OPTIMIZER);
  const lossOf = (xs: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Scalar =>
    tf.mean(tf.mul(addChannelBias(conv2d(xs as tf.Tensor4D, w as tf.Tensor4D, 1, 1), b as tf.Tensor1D), r));
  const valueAndGrads = tf.valueAndGrads((...args: tf.Tensor[]) => lossOf(args[0]!, args[1]!, args[2]!));
  return {
    run() {
      const { value, grads } = tf.tidy(() => valueAndGrads([x, weight, bias]));
      const loss = value.dataSync()[0]!;
      value.dispose();
      const [, dWeight, dBias] = grads as [tf.Tensor, tf.Tensor, tf.Tensor];
      if (!Number.isFinite(loss)) {
        tf.dispose(grads);
        throw new BenchArithmeticError(`the WRN conv loss is ${loss}`);
      }
      optimizer.step({
        learningRate: PEER_LEARNING_RATE,
        gradients: new Map([
          ['conv.weight', dWeight],
          ['conv.bias', dBias],
        ]),
        masks: NO_MASKS,
        denseMomentum: false,
      });
      tf.dispose(grads);
      return loss;
    },
    dispose() {
      optimizer.dispose();
      tf.dispose([x, r, weight, bias]);
    },
  };
}

export async function createStepCase(model: StepModel, batchSize: number, options: StepCaseOptions = {}): Promise<TimedCase> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`'batchSize' passed to createStepCase() must be a positive integer but got ${batchSize}`);
  }
  return model === 'wrn-conv' ? wrnConvStepCase(batchSize, options.seed ?? 0) : modelStepCase(model, batchSize, options);
}

/**
 * One RigL mask update on the ERK 90 % MLP (rigl-spec §2: drop the smallest |w|, grow the largest
 * |dense gradient|, grown weights and momentum zeroed) at the schedule's first update step, with
 * the dense gradients of one real batch computed once beforehand. `reset` restores the masks,
 * weights and momentum of before the update, so every timed call is that same first update (a
 * repeated update would drop exactly the zero weights it just grew and regrow them: no change).
 */
export async function createMaskUpdateCase(batchSize: number, seed = 0): Promise<TimedCase> {
  const recipe = await quickRecipe();
  const built = buildRecipeModel(recipe, true, seed);
  const model = built.model;
  const controller = built.controller!;
  const optimizer = new SgdOptimizer(model.params, PEER_OPTIMIZER);
  const weightParams = model.params.filter((p) => p.layer !== null);
  const weights = new Map(weightParams.map((p) => [p.layer!, p.variable]));
  const slots = new Map(weightParams.map((p) => [p.layer!, optimizer.slotsOf(p.name)]));
  const { grads } = lossAndGradients(model, hostBatch(batchSize, FMNIST_INPUT, seed, 'mask-update'), seed, 0);
  const gradients = new Map(weightParams.map((p) => [p.layer!, grads[p.variable.name]!]));
  let updateStep = 0;
  while (!controller.isUpdateStep(updateStep)) {
    updateStep++;
    if (updateStep > 1_000_000) throw new RangeError('the quick manifest\'s RigL schedule has no update step in its first 1,000,000 steps');
  }
  const saved = controller.state();
  const savedMasks = Object.fromEntries(Object.entries(saved.masks).map(([name, mask]) => [name, mask.slice()]));
  const savedVariables = [...weights.values(), ...[...slots.values()].flat()].map((v) => ({ variable: v, values: v.dataSync().slice() as Float32Array }));
  return {
    run() {
      const report = controller.update({ step: updateStep, weights, gradients, slots });
      return report.layers.reduce((sum, l) => sum + l.grown, 0);
    },
    reset() {
      controller.restore({ masks: Object.fromEntries(Object.entries(savedMasks).map(([name, mask]) => [name, mask.slice()])), json: saved.json });
      for (const { variable, values } of savedVariables) tf.tidy(() => variable.assign(tf.tensor(values, variable.shape)));
    },
    dispose() {
      tf.dispose(Object.values(grads));
      optimizer.dispose();
      controller.dispose();
      model.dispose();
    },
  };
}
