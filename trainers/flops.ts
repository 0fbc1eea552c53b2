/**
 * FLOP accounting (rigl-spec §5, after the report's supplementary "FLOP counting" section, which
 * follows RigL's appendix). Forward FLOPs count multiplications and additions of the weight layers
 * (2 · prod(shape) · output positions per example); biases, normalisation and activations are
 * left out, as in the papers. Unstructured sparsity scales a layer's FLOPs by its density.
 *
 * Per-iteration training cost, with f_D the dense and f_S the sparse forward FLOPs:
 * - a step with sparse gradients: forward + two backward products = 3 f_S;
 * - a step that needs the dense gradient (RigL on update steps, SNFS every step): 2 f_S + f_D
 *   (the gradient w.r.t. the weights is dense, the one w.r.t. activations is sparse);
 * - dense training: 3 f_D.
 * Multipliers are fractions of dense training over the same number of steps.
 */

export interface LayerForwardCost {
  /** Dense forward FLOPs per example (WeightLayerDescription.denseForwardFlops). */
  denseForwardFlops: number;
  /** Fraction of the layer's weights that are active (1 for unmasked layers). */
  density: number;
}

/** f_D: Σ dense forward FLOPs. */
export function denseForwardFlops(layers: readonly { denseForwardFlops: number }[]): number {
  return layers.reduce((sum, l) => sum + l.denseForwardFlops, 0);
}

/** f_S: Σ density_l · flops_l (dense layers count with density 1). */
export function sparseForwardFlops(layers: readonly LayerForwardCost[]): number {
  return layers.reduce((sum, l) => sum + l.density * l.denseForwardFlops, 0);
}

export type TrainingStepKind = 'sparse-gradient' | 'dense-gradient';

/** FLOPs of one training iteration: 3 f_S, or 2 f_S + f_D when the dense gradient is needed. */
export function trainingStepFlops(kind: TrainingStepKind, sparseForward: number, denseForward: number): number {
  return kind === 'dense-gradient' ? 2 * sparseForward + denseForward : 3 * sparseForward;
}

/** RigL's average cost per iteration: (3 f_S ΔT + 2 f_S + f_D)/(ΔT + 1) (rigl-spec §5). */
export function rigLStepFlops(sparseForward: number, denseForward: number, intervalSteps: number): number {
  if (!(intervalSteps >= 1)) {
    throw new RangeError(`'intervalSteps' passed to rigLStepFlops() must be >= 1 but got ${intervalSteps}`);
  }
  return (3 * sparseForward * intervalSteps + 2 * sparseForward + denseForward) / (intervalSteps + 1);
}

/** A per-iteration cost as a fraction of dense training's 3 f_D. */
export function trainMultiplierOf(stepFlops: number, denseForward: number): number {
  if (!(denseForward > 0)) {
    throw new RangeError(`'denseForward' passed to trainMultiplierOf() must be > 0 but got ${denseForward}`);
  }
  return stepFlops / (3 * denseForward);
}

/** Accumulated training FLOPs of a run (checkpointed with the controller). */
export interface TrainFlopsTally {
  steps: number;
  flops: number;
}

export function emptyTally(): TrainFlopsTally {
  return { steps: 0, flops: 0 };
}

export function addStep(tally: TrainFlopsTally, stepFlops: number): TrainFlopsTally {
  return { steps: tally.steps + 1, flops: tally.flops + stepFlops };
}

/** Accumulated FLOPs / (steps · 3 f_D); `fallback` before the first step. */
export function tallyMultiplier(tally: TrainFlopsTally, denseForward: number, fallback: number): number {
  return tally.steps === 0 ? fallback : trainMultiplierOf(tally.flops / tally.steps, denseForward);
}
