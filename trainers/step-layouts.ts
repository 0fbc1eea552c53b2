/**
 * Which sparse layouts a training step hands to `model.apply`, so that masked dense layers run the
 * native backend's sparse kernels (backends/native/sparse-kernels.ts) on the steps that need no
 * dense gradient, and dense kernels on the others.
 *
 * API (stable: the training loop and bench/cases/training-steps.ts both use it):
 *
 *   const layouts = createStepLayouts(model, controller);
 *   layouts.refresh();      // after applyInitialMasks, after a checkpoint restore and after every
 *                           // controller.update(): rebuilds the compressed masks
 *   model.apply(x, true, dropoutKey, layouts.forStep(step));   // training step `step`
 *   model.apply(x, false, undefined, layouts.forEval());       // evaluation
 *
 * `forStep(step)` is undefined (dense kernels everywhere) when the step needs dense gradients
 * (controller.needsDenseGradient: RigL's update steps, SNFS every step), when the active tfjs
 * backend is not 'native', or when no layer qualifies. A layer qualifies when it is a masked 2-D
 * (dense) weight with density at most `maxDensity`: above that the SGEMM is faster than the sparse
 * kernels (the crossover measured on the MLP, see DEFAULT_MAX_DENSITY). Sparse and dense steps give
 * the same numbers within float32 rounding, because inactive weights are exactly 0 (methods/types.ts).
 *
 * RIGL_NATIVE_SPARSE=off in the environment turns the sparse path off (dense-masked math on every
 * step), for comparisons and as an escape hatch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { NATIVE_BACKEND_NAME } from './backends/native/kernel-support.ts';
import { type SparseLayout, buildSparseLayout, layoutDensity } from './backends/native/sparse-layout.ts';
import type { SparseController } from './methods/types.ts';
import type { TrainableModel } from './models/types.ts';

/**
 * Densest layer that still runs sparse. Measured at batch 128 on one core of the AMD EPYC here
 * (AVX-512; 784×300 and 300×100 layers, random masks): the sparse forward, input gradient and
 * weight gradient take about as long as the SGEMMs they replace at density 0.25-0.3, about three
 * quarters as long at 0.2 and a third at 0.08 (fc1 of the RigL ERK 90 % MLP).
 */
export const DEFAULT_MAX_DENSITY = 0.25;

export interface StepLayoutOptions {
  /** Use sparse kernels at all. Default: the active backend is 'native' and RIGL_NATIVE_SPARSE is not 'off'. */
  enabled?: boolean;
  /** Layers denser than this run dense kernels. Default DEFAULT_MAX_DENSITY. */
  maxDensity?: number;
}

export interface StepLayouts {
  /** Rebuilds the layouts from controller.masks(); call whenever the masks may have changed. */
  refresh(): void;
  /** Layouts for training step `step`, or undefined when the step runs dense kernels. */
  forStep(step: number): ReadonlyMap<string, SparseLayout> | undefined;
  /** Layouts for evaluation (no gradients), or undefined. */
  forEval(): ReadonlyMap<string, SparseLayout> | undefined;
}

/** For the run's provenance: whether and where the native backend runs sparse kernels. */
export function sparsePathDescription(): string {
  return process.env.RIGL_NATIVE_SPARSE === 'off'
    ? 'off (RIGL_NATIVE_SPARSE=off): masked layers run dense-masked math'
    : `masked dense layers at density <= ${DEFAULT_MAX_DENSITY}, on steps that need no dense gradient`;
}

function sparseEnabledByDefault(): boolean {
  return tf.getBackend() === NATIVE_BACKEND_NAME && process.env.RIGL_NATIVE_SPARSE !== 'off';
}

export function createStepLayouts(model: TrainableModel, controller: SparseController, options: StepLayoutOptions = {}): StepLayouts {
  const maxDensity = options.maxDensity ?? DEFAULT_MAX_DENSITY;
  if (!(maxDensity >= 0 && maxDensity <= 1)) {
    throw new RangeError(`'maxDensity' passed to createStepLayouts() must be in [0, 1] but got ${maxDensity}`);
  }
  const weights = model.params.filter((p) => p.role === 'weight' && p.layer !== null && p.variable.rank === 2);
  let layouts: ReadonlyMap<string, SparseLayout> | undefined;

  return {
    refresh() {
      layouts = undefined;
      if (!(options.enabled ?? sparseEnabledByDefault())) return;
      const masks = controller.masks();
      const built = new Map<string, SparseLayout>();
      for (const p of weights) {
        const mask = masks.get(p.layer!);
        if (mask === undefined) continue;
        const [inputs, outputs] = p.variable.shape as [number, number];
        const layout = buildSparseLayout(mask.dataSync() as Float32Array, inputs, outputs);
        if (layoutDensity(layout) <= maxDensity) built.set(p.layer!, layout);
      }
      if (built.size > 0) layouts = built;
    },
    forStep(step) {
      return layouts !== undefined && !controller.needsDenseGradient(step) ? layouts : undefined;
    },
    forEval() {
      return layouts;
    },
  };
}
