/**
 * The training loop: one run's epochs of SGD steps with the sparse method's hooks, end-of-epoch
 * evaluation, events, checkpoints and resume.
 *
 * Order of one step g (rigl-spec §2.2–2.3; the controller contract in methods/types.ts):
 *   batch(g) → forward/backward (dense gradients) → NaN check →
 *   mask update (replacing the optimizer step when the method says so) or SGD step →
 *   controller.recordStep(g)
 *
 * Everything random is keyed on (seed, purpose, epoch or step): data order per epoch, augmentation
 * and dropout per step, mask draws per layer and step. So a run resumed from a checkpoint replays
 * exactly the draws an uninterrupted run would make, and ends with the same metrics bit for bit on
 * a deterministic backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeBackendActive } from './backends/native/backend.ts';
import { createDenseChainStep } from './backends/native/dense-chain-step.ts';
import { nativeSoftmaxCrossEntropy } from './backends/native/loss-kernels.ts';
import { packCheckpoint, unpackCheckpoint, type CheckpointArray } from './checkpoint.ts';
import { assembleBatch, batchCount, createBatchSpec, epochOrder, type BatchSpec } from './datasets/batches.ts';
import type { Batch, ImageSplit, LoadedDataset } from './datasets/types.ts';
import { CheckpointError, TrainingDivergedError, TrainingInterruptedError } from './errors.ts';
import { EventKey, type EventSink, type RunEvent } from './events.ts';
import { learningRateAt } from './learning-rate.ts';
import type { SparseController } from './methods/types.ts';
import type { TrainableModel } from './models/types.ts';
import { SgdOptimizer } from './optim/sgd.ts';
import { KeyedRandom } from './random.ts';
import type { SparseLayout } from './backends/native/sparse-layout.ts';
import { createStepLayouts } from './step-layouts.ts';
import type { DatasetSpec, TrainingSpec } from './run-manifest.ts';
import type { CheckpointIO, TrainProgress } from './train-api.ts';

export interface LoopInput {
  seed: number;
  training: TrainingSpec;
  datasetSpec: DatasetSpec;
  dataset: LoadedDataset;
  model: TrainableModel;
  controller: SparseController;
  events: EventSink;
  checkpoints: CheckpointIO;
  checkpointEveryEpochs: number;
  progress: (p: TrainProgress) => void;
  signal: AbortSignal;
}

export interface LoopResult {
  testAccuracy: number;
  bestTestAccuracy: number;
  finalTrainLoss: number;
  steps: number;
  epochs: number;
  /** Wall time of the training loop, earlier attempts (from the checkpoint) included. */
  wallMs: number;
  resumed: boolean;
}

/** What a checkpoint records besides tensors. Numbers are stored as JSON doubles (exact). */
interface LoopState {
  /** Next step to run (global, 0-based). */
  nextStep: number;
  /** Sum of this epoch's batch losses so far and how many. */
  epochLossSum: number;
  epochLossCount: number;
  lastEpochLoss: number;
  testAccuracy: number;
  bestTestAccuracy: number;
  wallMsBefore: number;
  controller: unknown;
}

function emit(events: EventSink, key: RunEvent['key'], value: unknown, meta: Record<string, unknown> = {}, type: RunEvent['type'] = 'point'): void {
  events({ timeMs: Date.now(), type, key, value, meta });
}

/**
 * Mean softmax cross-entropy with PyTorch-style label smoothing: target (1−ε)·onehot + ε/K. One
 * fused kernel on the native backend (backends/native/loss-kernels.ts), tensor ops elsewhere.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, numClasses: number, labelSmoothing: number): tf.Scalar {
  if (nativeBackendActive() && logits.shape[1] === numClasses && labels.dtype === 'int32') {
    return nativeSoftmaxCrossEntropy(logits, labels, labelSmoothing);
  }
  return tf.tidy(() => {
    const logProbs = tf.logSoftmax(logits);
    let target: tf.Tensor = tf.oneHot(labels, numClasses).toFloat();
    if (labelSmoothing > 0) target = tf.add(tf.mul(target, 1 - labelSmoothing), labelSmoothing / numClasses);
    return tf.neg(tf.mean(tf.sum(tf.mul(target, logProbs), 1))) as tf.Scalar;
  });
}

/** Top-1 accuracy in percent on a split, in batches, with inference-mode layers (sparse where `layouts` say). */
export function evaluateAccuracy(
  model: TrainableModel,
  split: ImageSplit,
  spec: BatchSpec,
  batchSize: number,
  layouts?: ReadonlyMap<string, SparseLayout>,
): number {
  let correct = 0;
  let reuse: Batch | null = null;
  const indices = new Uint32Array(split.count);
  for (let i = 0; i < split.count; i++) indices[i] = i;
  for (let start = 0; start < split.count; start += batchSize) {
    const batch = assembleBatch(split, indices.subarray(start, Math.min(split.count, start + batchSize)), spec, null, reuse);
    reuse = batch;
    correct += tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, spec.height, spec.width, spec.channels]);
      const logits = model.apply(x, false, undefined, layouts);
      const predicted = tf.argMax(logits, 1);
      const labels = tf.tensor1d(batch.labels, 'int32');
      return tf.sum(tf.equal(predicted, labels).toInt()).dataSync()[0]!;
    });
  }
  return (100 * correct) / split.count;
}

export async function runTrainingLoop(input: LoopInput): Promise<LoopResult> {
  const { seed, training, datasetSpec, dataset, model, controller, events, signal } = input;
  const startedAt = performance.now();
  const stepsPerEpoch = batchCount(dataset.train.count, training.batchSize, training.keepLastPartialBatch);
  const totalSteps = stepsPerEpoch * training.epochs;
  const optimizer = new SgdOptimizer(model.params, training.optimizer);
  const weightParams = model.params.filter((p) => p.layer !== null);
  const weightsByLayer = new Map(weightParams.map((p) => [p.layer!, p.variable]));
  const slotsByLayer = new Map(weightParams.map((p) => [p.layer!, optimizer.slotsOf(p.name)]));
  const trainable = model.params.map((p) => p.variable);

  let state: LoopState = {
    nextStep: 0,
    epochLossSum: 0,
    epochLossCount: 0,
    lastEpochLoss: Number.NaN,
    testAccuracy: Number.NaN,
    bestTestAccuracy: Number.NaN,
    wallMsBefore: 0,
    controller: null,
  };

  const checkpointArrays = (): CheckpointArray[] => {
    const arrays: CheckpointArray[] = [];
    for (const p of model.params) arrays.push({ name: `param/${p.name}`, shape: p.variable.shape, data: p.variable.dataSync() as Float32Array });
    for (const s of model.state) arrays.push({ name: `state/${s.name}`, shape: s.variable.shape, data: s.variable.dataSync() as Float32Array });
    for (const s of optimizer.namedSlots()) arrays.push({ name: `slot/${s.name}`, shape: s.variable.shape, data: s.variable.dataSync() as Float32Array });
    const cs = controller.state();
    for (const [name, mask] of Object.entries(cs.masks)) arrays.push({ name: `mask/${name}`, shape: [mask.length], data: mask });
    return arrays;
  };

  const saveCheckpoint = async (nextStep: number): Promise<void> => {
    const wallMs = state.wallMsBefore + (performance.now() - startedAt);
    const toSave: LoopState = { ...state, nextStep, wallMsBefore: wallMs, controller: controller.state().json };
    await input.checkpoints.save(packCheckpoint(toSave, checkpointArrays()));
    emit(events, EventKey.Checkpoint, nextStep, { epoch: Math.floor(nextStep / stepsPerEpoch) });
  };

  // ---- resume
  const stored = await input.checkpoints.load();
  const resumed = stored !== null;
  if (stored !== null) {
    const unpacked = unpackCheckpoint<LoopState>(stored);
    const restoreInto = (prefix: string, name: string, variable: tf.Variable): void => {
      const entry = unpacked.arrays.get(`${prefix}/${name}`);
      if (entry === undefined || entry.data.length !== variable.size) {
        throw new CheckpointError(`checkpoint does not match the model: '${prefix}/${name}' is missing or has the wrong size`);
      }
      const restored = tf.tensor(entry.data as Float32Array, variable.shape);
      variable.assign(restored);
      // The variable now holds the data alone (the native in-place paths need that).
      restored.dispose();
    };
    for (const p of model.params) restoreInto('param', p.name, p.variable);
    for (const s of model.state) restoreInto('state', s.name, s.variable);
    for (const s of optimizer.namedSlots()) restoreInto('slot', s.name, s.variable);
    const masks: Record<string, Uint8Array> = {};
    for (const [name, entry] of unpacked.arrays) {
      if (name.startsWith('mask/')) masks[name.slice('mask/'.length)] = new Uint8Array(entry.data);
    }
    controller.restore({ masks, json: unpacked.state.controller });
    state = unpacked.state;
    emit(events, EventKey.RunResume, state.nextStep, { epoch: Math.floor(state.nextStep / stepsPerEpoch) });
  } else {
    controller.applyInitialMasks(weightsByLayer);
  }
  // Compressed masks for the native sparse kernels; rebuilt whenever the masks change.
  const layouts = createStepLayouts(model, controller);
  layouts.refresh();

  const numClasses = dataset.numClasses;
  const { height, width, channels } = dataset;
  // The native backend's whole-step fast path for MLPs (null elsewhere); it runs every step but the
  // mask updates, which need gradient tensors. On steps that need dense gradients (SNFS, RigL's
  // updates) there are no layouts, so it computes dense gradients.
  const fusedStep = createDenseChainStep(model, optimizer, { numClasses, labelSmoothing: training.labelSmoothing });
  let order: Uint32Array | null = null;
  let orderEpoch = -1;
  const batchSpec = createBatchSpec({ height, width, channels }, datasetSpec);
  // The batch's memory is reused once its tensors are disposed (end of the step's tidy).
  let reuse: Batch | null = null;

  /** One step through tfjs's autograd: dense gradients, then a mask update or the optimizer step; the loss. */
  const tensorPathStep = (step: number, batch: Batch, lr: number, stepLayouts: ReadonlyMap<string, SparseLayout> | undefined): number => {
    const epoch = Math.floor(step / stepsPerEpoch);
    const { value, grads } = tf.tidy(() => {
      const x = tf.tensor4d(batch.x, [batch.size, height, width, channels]);
      const y = tf.tensor1d(batch.labels, 'int32');
      return tf.variableGrads(
        () => softmaxCrossEntropy(model.apply(x, true, [seed, 'dropout', step], stepLayouts), y, numClasses, training.labelSmoothing),
        trainable,
      );
    });
    const loss = value.dataSync()[0]!;
    value.dispose();
    if (!Number.isFinite(loss)) {
      tf.dispose(Object.values(grads));
      throw new TrainingDivergedError(step, loss);
    }
    const gradsByParam = new Map(model.params.map((p) => [p.name, grads[p.variable.name]!]));
    if (controller.isUpdateStep(step)) {
      const gradsByLayer = new Map(weightParams.map((p) => [p.layer!, gradsByParam.get(p.name)!]));
      const report = controller.update({ step, weights: weightsByLayer, gradients: gradsByLayer, slots: slotsByLayer });
      layouts.refresh();
      emit(events, EventKey.MaskUpdate, report.fraction, { step, epoch, layers: report.layers });
      if (!controller.replacesOptimizerStep) {
        optimizer.step({ learningRate: lr, gradients: gradsByParam, masks: controller.masks(), denseMomentum: controller.denseMomentum });
      }
    } else {
      optimizer.step({
        learningRate: lr,
        gradients: gradsByParam,
        masks: controller.masks(),
        denseMomentum: controller.denseMomentum,
        sparseLayouts: stepLayouts,
      });
    }
    tf.dispose(Object.values(grads));
    return loss;
  };

  try {
    for (let step = state.nextStep; step < totalSteps; step++) {
      const epoch = Math.floor(step / stepsPerEpoch);
      const batchIndex = step - epoch * stepsPerEpoch;
      if (signal.aborted) {
        await saveCheckpoint(step);
        throw new TrainingInterruptedError(step);
      }
      if (batchIndex === 0) emit(events, EventKey.EpochStart, epoch, { epoch }, 'interval_start');
      if (orderEpoch !== epoch) {
        order = epochOrder(seed, epoch, dataset.train.count);
        orderEpoch = epoch;
      }
      const start = batchIndex * training.batchSize;
      const indices = order!.subarray(start, Math.min(dataset.train.count, start + training.batchSize));
      const augment = datasetSpec.augmentation.length > 0 ? new KeyedRandom(seed, 'augment', step) : null;
      const batch: Batch = assembleBatch(dataset.train, indices, batchSpec, augment, reuse);
      reuse = batch;

      const lr = learningRateAt(
        { initial: training.learningRate.initial, schedule: training.learningRate.schedule, warmupSteps: training.learningRate.warmupSteps },
        { step, stepsPerEpoch, totalSteps },
      );

      // Sparse kernels on this step for the layers that have a layout (none on steps needing dense gradients).
      const stepLayouts = layouts.forStep(step);
      const fusedLoss =
        fusedStep !== null && !controller.isUpdateStep(step)
          ? fusedStep.run({
              x: batch.x,
              labels: batch.labels,
              batchSize: batch.size,
              learningRate: lr,
              layouts: stepLayouts,
              masks: controller.masks(),
              denseMomentum: controller.denseMomentum,
            })
          : null;
      let loss: number;
      if (fusedLoss !== null) {
        // Forward, backward and the optimizer step in one go (backends/native/dense-chain-step.ts).
        if (!Number.isFinite(fusedLoss)) throw new TrainingDivergedError(step, fusedLoss);
        loss = fusedLoss;
      } else {
        loss = tensorPathStep(step, batch, lr, stepLayouts);
      }
      controller.recordStep(step);

      state.epochLossSum += loss;
      state.epochLossCount += 1;

      if (batchIndex === stepsPerEpoch - 1) {
        const epochLoss = state.epochLossSum / state.epochLossCount;
        const accuracy = evaluateAccuracy(model, dataset.test, batchSpec, training.evalBatchSize, layouts.forEval());
        state.lastEpochLoss = epochLoss;
        state.testAccuracy = accuracy;
        state.bestTestAccuracy = Number.isNaN(state.bestTestAccuracy) ? accuracy : Math.max(state.bestTestAccuracy, accuracy);
        state.epochLossSum = 0;
        state.epochLossCount = 0;
        emit(events, EventKey.TrainLoss, epochLoss, { epoch, step });
        emit(events, EventKey.LearningRate, lr, { epoch, step });
        emit(events, EventKey.EvalAccuracy, accuracy, { epoch, step, split: 'test' });
        emit(events, EventKey.EpochStop, epoch, { epoch, step, loss: epochLoss }, 'interval_end');
        const finishedEpochs = epoch + 1;
        if (finishedEpochs < training.epochs && finishedEpochs % input.checkpointEveryEpochs === 0) {
          await saveCheckpoint(step + 1);
        }
      }
      if (step % 10 === 0 || batchIndex === stepsPerEpoch - 1) {
        input.progress({
          epoch,
          epochs: training.epochs,
          step: step + 1,
          totalSteps,
          loss: state.epochLossCount > 0 ? state.epochLossSum / state.epochLossCount : state.lastEpochLoss,
          testAccuracy: Number.isNaN(state.testAccuracy) ? null : state.testAccuracy,
          elapsedMs: state.wallMsBefore + (performance.now() - startedAt),
        });
      }
      // Let signal handlers and I/O run between steps.
      if (step % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    optimizer.dispose();
  }

  return {
    testAccuracy: state.testAccuracy,
    bestTestAccuracy: state.bestTestAccuracy,
    finalTrainLoss: state.lastEpochLoss,
    steps: totalSteps,
    epochs: training.epochs,
    wallMs: state.wallMsBefore + (performance.now() - startedAt),
    resumed,
  };
}
