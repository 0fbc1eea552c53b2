/**
 * The sparse-method contract (house-style.md, after jaxpruner's updater lifecycle).
 *
 * A method is one file exporting one `SparseMethodDefinition`; trainers/methods/registry.ts is the
 * only place that lists them. The training loop talks to a method only through the
 * `SparseController` its definition creates, once per run:
 *
 *   controller = definition.create(ctx)
 *   controller.applyInitialMasks(weights)           // after the model's own initialisation
 *   for step in 0..totalSteps-1:
 *     grads = dense gradients of the loss (all params)
 *     if controller.isUpdateStep(step):
 *       controller.update({step, weights, gradients, slots})
 *       if !controller.replacesOptimizerStep: optimizer step as below
 *     else:
 *       optimizer step: for masked layers g ← g ⊙ mask before momentum, unless
 *       controller.denseMomentum (SNFS), where momentum takes the dense g and only the
 *       weight change is masked; afterwards weights stay exactly 0 where mask = 0
 *     controller.recordStep(step)                    // FLOP accounting
 *
 * Drop-and-grow, exact per-layer counts, zeroed grown weights and reset optimizer slots live once,
 * in trainers/methods/mask-update.ts; a method says only how to score drops and grows (and, for the
 * redistributing methods, how many to grow per layer).
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { MethodSpec, ModelSpec, SparsitySpec } from '../run-manifest.ts';
import type { WeightLayerDescription } from '../models/types.ts';

export interface MethodContext<S extends MethodSpec = MethodSpec> {
  method: S;
  sparsity: SparsitySpec | undefined;
  /** Weight layers of the model the run trains (after `resolveModel`). */
  layers: readonly WeightLayerDescription[];
  seed: number;
  /** Total optimizer iterations of the run (epochs × steps per epoch). */
  totalSteps: number;
}

export interface MaskUpdateInput {
  /** Global step g, 0-based. */
  step: number;
  /** Weights of every masked layer, by layer name; the update writes new values into them. */
  weights: ReadonlyMap<string, tf.Variable>;
  /** Dense gradient of this step's loss w.r.t. each masked layer's effective weight. */
  gradients: ReadonlyMap<string, tf.Tensor>;
  /** Optimizer slot variables per masked layer name (SGD: [momentum]). */
  slots: ReadonlyMap<string, readonly tf.Variable[]>;
}

export interface LayerUpdateCounts {
  name: string;
  /** Connections removed by this update (active before, inactive after). */
  dropped: number;
  /** Newly grown connections (inactive before, active after). */
  grown: number;
  /** Active after the update. */
  active: number;
}

export interface MaskUpdateReport {
  step: number;
  /** Drop fraction used (or the sparsity reached, for pruning). */
  fraction: number;
  layers: LayerUpdateCounts[];
}

export interface ControllerLayerSummary {
  name: string;
  /** Density assigned by the distribution (for gmp: the final per-layer density reached so far). */
  targetDensity: number;
  activeCount: number;
}

/** Serialisable controller state for checkpoints: masks as 0/1 bytes plus method-specific JSON. */
export interface ControllerState {
  masks: Record<string, Uint8Array>;
  json: unknown;
}

export interface SparseController {
  readonly replacesOptimizerStep: boolean;
  /** SNFS: momentum accumulates dense gradients and is never masked (rigl-spec §3.4). */
  readonly denseMomentum: boolean;
  /** 0/1 float32 masks of the masked layers, by layer name; a layer absent here is dense. */
  masks(): ReadonlyMap<string, tf.Tensor>;
  /** Zero the inactive entries of freshly initialised weights (and nothing else). */
  applyInitialMasks(weights: ReadonlyMap<string, tf.Variable>): void;
  isUpdateStep(step: number): boolean;
  /** Whether this step needs a dense gradient (RigL: update steps; SNFS: every step). */
  needsDenseGradient(step: number): boolean;
  update(input: MaskUpdateInput): MaskUpdateReport;
  /** FLOP accounting: call once per global step, after the step. */
  recordStep(step: number): void;
  /** Training FLOPs so far as a fraction of dense training over the same steps. */
  trainMultiplier(): number;
  /** Inference FLOPs of the current masks as a fraction of the dense model's. */
  inferenceMultiplier(): number;
  layerSummaries(): ControllerLayerSummary[];
  maskUpdateCount(): number;
  state(): ControllerState;
  restore(state: ControllerState): void;
  dispose(): void;
}

/**
 * What a method needs of the manifest's `sparsity`: 'absent' (dense trains no mask), 'target'
 * (a target, distribution optional: pruning), 'target-and-distribution' (sparse from the first
 * step), 'optional' (small-dense: the target sizes CNN widths; MLP widths are pinned).
 */
export type SparsityUse = 'absent' | 'target' | 'target-and-distribution' | 'optional';

export interface SparseMethodDefinition<S extends MethodSpec = MethodSpec> {
  id: S['name'];
  /** One line, with the paper it follows. */
  summary: string;
  /** What the method needs of the manifest's `sparsity` (checked by `validate`). */
  sparsity: SparsityUse;
  /** The model the method trains: small-dense narrows it; every other method returns it unchanged. */
  resolveModel(model: ModelSpec, method: S, sparsity: SparsitySpec | undefined): ModelSpec;
  create(ctx: MethodContext<S>): SparseController;
  /**
   * Planned training FLOPs as a fraction of dense training, from the papers' formulas
   * (rigl-spec §5), for `plan` (no tensors).
   */
  estimateTrainMultiplier(ctx: MethodContext<S>): number;
}
