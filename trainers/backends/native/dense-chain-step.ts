/**
 * A whole SGD training step of a dense-chain model (an MLP: models/types.ts denseChain) on the
 * native backend, without tfjs's autograd: forward, loss, backward and the optimizer step as a
 * dozen addon calls on the variables' own arrays, with every buffer kept from step to step.
 *
 * Why: on the RigL ERK 90 % MLP the kernels of a step take about 0.45 ms, and tfjs's per-op
 * bookkeeping, the fresh gradient arrays (a zero-filled 940 KB one for fc1 alone) and the separate
 * optimizer pass took another 0.35 ms. Here a masked layer with a sparse layout runs
 * sparseDenseBackwardSgd, which feeds each active entry's weight gradient straight into its SGD
 * step, so no weight gradient is ever stored.
 *
 * The arithmetic is the tfjs path's, kernel for kernel (RiglNativeDense and its backward, the
 * softmax cross-entropy of loss-kernels.ts, nativeSgdStep), so the two give the same bits; the
 * tests compare them step by step. One difference in order: a layer's weights are updated as soon as
 * its backward pass is done (its input gradient is computed first, from the old weights), not after
 * all gradients exist. No gradient depends on another layer's new weights, so the values are the
 * same, but a step whose loss is not finite has already changed the weights when the caller sees it
 * (the training loop then ends the run with TrainingDivergedError, as on the tfjs path).
 *
 * `run` returns null, having changed nothing, when the step cannot run here: another backend is
 * active, a variable's array is shared with another tensor (the in-place update would show through
 * it, as in optim.ts), or a layer has a sparse layout while the method keeps dense momentum (SNFS,
 * whose momentum needs dense gradients; its steps get no layouts). The caller then takes the tfjs
 * path. RIGL_NATIVE_FUSED=off in the environment turns the fused step off (for comparisons).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { DenseChainLayer, TrainableModel } from '../../models/types.ts';
import type { SgdOptimizer } from '../../optim/sgd.ts';
import type { NativeAddon } from './addon.ts';
import { nativeAddon } from './backend.ts';
import { NATIVE_BACKEND_NAME } from './kernel-support.ts';
import { softmaxCrossEntropyGradient, softmaxCrossEntropyValue } from './loss-kernels.ts';
import { xtCacheLength } from './sparse-bindings.ts';
import type { SparseLayout } from './sparse-layout.ts';

export interface DenseChainStepInput {
  /** The batch, [batchSize, features] row-major (the flattened NHWC images assembleBatch writes). */
  x: Float32Array;
  labels: Int32Array;
  batchSize: number;
  learningRate: number;
  /** Sparse layouts of this step (trainers/step-layouts.ts forStep); layers without one run dense. */
  layouts: ReadonlyMap<string, SparseLayout> | undefined;
  /** 0/1 masks by layer name (controller.masks()); a masked layer without a layout is stepped with its mask. */
  masks: ReadonlyMap<string, tf.Tensor>;
  /**
   * The method keeps dense momentum (SNFS): the momentum of a masked layer takes the dense gradient
   * and only the weight change is masked. Needs dense gradients everywhere: with a layout, run
   * returns null.
   */
  denseMomentum: boolean;
}

export interface DenseChainStep {
  /** One training step; the batch's mean loss (float32), or null when it cannot run (nothing changed). */
  run(input: DenseChainStepInput): number | null;
}

export interface DenseChainStepOptions {
  numClasses: number;
  labelSmoothing: number;
}

let stepsRun = 0;

/** Fused steps run in this process so far (for tests and diagnostics: did the fast path engage?). */
export function fusedStepsRun(): number {
  return stepsRun;
}

/** Whether RIGL_NATIVE_FUSED allows the fused step (anything but 'off'). */
export function fusedStepEnabled(): boolean {
  return process.env.RIGL_NATIVE_FUSED !== 'off';
}

/** For the run's provenance: whether dense-chain models train through the fused step. */
export function fusedStepDescription(): string {
  return fusedStepEnabled()
    ? 'dense-chain models (MLP): whole SGD steps in native code, except mask-update steps'
    : 'off (RIGL_NATIVE_FUSED=off): every step goes through tfjs autograd';
}

/** Per layer: what the step keeps between calls, sized for `capacity` examples. */
interface LayerBuffers {
  /** The layer's output act(x·w + b) [capacity, outputs]. */
  y: Float32Array;
  /** d loss / d y [capacity, outputs] (the next layer's input gradient). */
  dy: Float32Array;
  /** g = dy ⊙ act'(y) for the dense backward [capacity, outputs]. */
  g: Float32Array;
  db: Float32Array;
  /** Dense backward only: dw [inputs, outputs], allocated on first use. */
  dw: Float32Array | null;
  /** Sparse forward's xᵀ, reused by its backward. */
  xt: Float32Array;
}

interface LayerArrays {
  w: Float32Array;
  b: Float32Array;
  vw: Float32Array;
  vb: Float32Array;
  mask: Float32Array | null;
}

function backendValues(backend: MathBackendCPU, t: tf.Tensor, exclusive: boolean): Float32Array | null {
  if (t.dtype !== 'float32' || t.isDisposed) return null;
  const data = backend.data.get(t.dataId);
  if (data === undefined || !(data.values instanceof Float32Array)) return null;
  if (exclusive && data.refCount !== 1) return null;
  return data.values;
}

/**
 * The fused step for `model`, or null when it does not apply: the model is not a dense chain, the
 * native backend is not active, or RIGL_NATIVE_FUSED=off.
 */
export function createDenseChainStep(model: TrainableModel, optimizer: SgdOptimizer, options: DenseChainStepOptions): DenseChainStep | null {
  const chain = model.denseChain;
  const addon = nativeAddon();
  if (chain === undefined || chain.length === 0 || addon === null || tf.getBackend() !== NATIVE_BACKEND_NAME || !fusedStepEnabled()) return null;
  const shapes = chain.map((link) => link.weight.variable.shape as [number, number]);
  if (shapes[shapes.length - 1]![1] !== options.numClasses) return null;
  const settings = chain.map((link) => ({ weight: optimizer.settingsOf(link.weight.name), bias: optimizer.settingsOf(link.bias.name) }));
  const momenta = chain.map((link) => ({ weight: optimizer.slotsOf(link.weight.name)[0]!, bias: optimizer.slotsOf(link.bias.name)[0]! }));
  let capacity = 0;
  let buffers: LayerBuffers[] = [];

  const ensureCapacity = (batch: number): void => {
    if (batch <= capacity) return;
    capacity = batch;
    buffers = shapes.map(([inputs, outputs]) => ({
      y: new Float32Array(batch * outputs),
      dy: new Float32Array(batch * outputs),
      g: new Float32Array(batch * outputs),
      db: new Float32Array(outputs),
      dw: null,
      xt: new Float32Array(xtCacheLength(batch, inputs)),
    }));
  };

  const arraysOf = (backend: MathBackendCPU, link: DenseChainLayer, k: number, input: DenseChainStepInput): LayerArrays | null => {
    const w = backendValues(backend, link.weight.variable, true);
    const b = backendValues(backend, link.bias.variable, true);
    const vw = backendValues(backend, momenta[k]!.weight, true);
    const vb = backendValues(backend, momenta[k]!.bias, true);
    const maskTensor = input.masks.get(link.layer);
    const mask = maskTensor === undefined ? null : backendValues(backend, maskTensor, false);
    if (w === null || b === null || vw === null || vb === null || (maskTensor !== undefined && mask === null)) return null;
    return { w, b, vw, vb, mask };
  };

  return {
    run(input) {
      if (tf.getBackend() !== NATIVE_BACKEND_NAME) return null;
      if (input.denseMomentum && input.layouts !== undefined && input.layouts.size > 0) return null;
      const backend = tf.backend() as unknown as MathBackendCPU;
      const arrays: LayerArrays[] = [];
      for (let k = 0; k < chain.length; k++) {
        const a = arraysOf(backend, chain[k]!, k, input);
        if (a === null) return null;
        arrays.push(a);
      }
      const batch = input.batchSize;
      const features = shapes[0]![0];
      if (!Number.isInteger(batch) || batch < 1 || input.x.length < batch * features || input.labels.length < batch) {
        throw new RangeError(`dense-chain step: a batch of ${batch} needs ${batch * features} inputs and ${batch} labels but got ${input.x.length} and ${input.labels.length}`);
      }
      // Everything the kernels would reject is checked here, before any weight changes: the update
      // runs layer by layer, and a step that failed half-way would leave some layers stepped.
      chain.forEach((link, k) => {
        const [inputs, outputs] = shapes[k]!;
        const { w, b, vw, vb, mask } = arrays[k]!;
        const layout = input.layouts?.get(link.layer);
        if (layout !== undefined && (layout.inputs !== inputs || layout.outputs !== outputs)) {
          throw new RangeError(`dense-chain step: the sparse layout of '${link.layer}' is for a [${layout.inputs}, ${layout.outputs}] weight but the weight is [${inputs}, ${outputs}]`);
        }
        const size = inputs * outputs;
        if (w.length !== size || vw.length !== size || (mask !== null && mask.length !== size) || b.length !== outputs || vb.length !== outputs) {
          throw new RangeError(`dense-chain step: the arrays of '${link.layer}' do not match its [${inputs}, ${outputs}] weight`);
        }
      });
      ensureCapacity(batch);
      forward(addon, chain, shapes, arrays, buffers, input, batch);
      const last = buffers[buffers.length - 1]!;
      const { numClasses, labelSmoothing } = options;
      const loss = softmaxCrossEntropyValue(last.y, input.labels, batch, numClasses, labelSmoothing);
      // The upstream gradient of the mean loss is 1, as tfjs seeds it.
      softmaxCrossEntropyGradient(last.y, input.labels, batch, numClasses, labelSmoothing, 1, last.dy);
      for (let k = chain.length - 1; k >= 0; k--) {
        backwardAndStep(addon, chain[k]!, shapes[k]!, arrays[k]!, buffers, k, settings[k]!, input, batch);
      }
      stepsRun++;
      return loss;
    },
  };
}

function forward(
  addon: NativeAddon,
  chain: readonly DenseChainLayer[],
  shapes: readonly [number, number][],
  arrays: readonly LayerArrays[],
  buffers: readonly LayerBuffers[],
  input: DenseChainStepInput,
  batch: number,
): void {
  let h = input.x;
  for (let k = 0; k < chain.length; k++) {
    const [inputs, outputs] = shapes[k]!;
    const { w, b } = arrays[k]!;
    const out = buffers[k]!;
    const relu = chain[k]!.activation === 'relu';
    const layout = input.layouts?.get(chain[k]!.layer);
    if (layout !== undefined) {
      addon.sparseDenseForward(batch, inputs, outputs, h, w, b, relu, layout.columnStarts, layout.columnRows, out.y, out.xt);
    } else {
      addon.gemm(false, false, batch, outputs, inputs, h, w, out.y, false);
      addon.denseBiasActivation(batch, outputs, out.y, b, relu);
    }
    h = out.y;
  }
}

/** Layer k's backward pass (its input gradient into layer k−1's dy) and the SGD step of its weight and bias. */
function backwardAndStep(
  addon: NativeAddon,
  link: DenseChainLayer,
  [inputs, outputs]: [number, number],
  { w, b, vw, vb, mask }: LayerArrays,
  buffers: LayerBuffers[],
  k: number,
  settings: { weight: { momentum: number; weightDecay: number; nesterov: boolean }; bias: { momentum: number; weightDecay: number; nesterov: boolean } },
  input: DenseChainStepInput,
  batch: number,
): void {
  const own = buffers[k]!;
  const x = k === 0 ? input.x : buffers[k - 1]!.y;
  // The first layer's input is data: no input gradient (as `dense` with inputGradient false).
  const dx = k === 0 ? null : buffers[k - 1]!.dy;
  const y = link.activation === 'relu' ? own.y : null;
  const lr = input.learningRate;
  const ws = settings.weight;
  const layout = input.layouts?.get(link.layer);
  if (layout !== undefined) {
    addon.sparseDenseBackwardSgd(batch, inputs, outputs, x, w, own.dy, y, layout.rowStarts, layout.rowColumns, own.xt, dx, own.db, vw, lr, ws.momentum, ws.weightDecay, ws.nesterov);
  } else {
    let g = own.dy;
    if (y === null) {
      addon.denseBackwardPrologue(batch, outputs, own.dy, null, null, own.db);
    } else {
      addon.denseBackwardPrologue(batch, outputs, own.dy, y, own.g, own.db);
      g = own.g;
    }
    own.dw ??= new Float32Array(inputs * outputs);
    addon.gemm(true, false, inputs, outputs, batch, x, g, own.dw, false);
    if (dx !== null) addon.gemm(false, true, batch, inputs, outputs, g, w, dx, false);
    addon.sgdStep(w, own.dw, vw, mask, inputs * outputs, lr, ws.momentum, ws.weightDecay, ws.nesterov, input.denseMomentum);
  }
  const bs = settings.bias;
  addon.sgdStep(b, own.db, vb, null, outputs, lr, bs.momentum, bs.weightDecay, bs.nesterov, false);
}
