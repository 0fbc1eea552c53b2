/**
 * The lifecycle every method shares (house-style: jaxpruner's base updater): masks kept on host as
 * 0/1 bytes (the truth, checkpointed) and mirrored in non-trainable tfjs variables (what the loop
 * multiplies by; assigned in place, so references from `masks()` stay valid across updates),
 * initial masking of weights, FLOP accounting, checkpoint state and layer summaries. A controller
 * without updates (dense, static, small-dense) is this class as is; methods that change masks
 * extend it and call `commitMaskChanges` from `update`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, TrainerInvariantError } from '../errors.ts';
import {
  addStep,
  denseForwardFlops,
  emptyTally,
  sparseForwardFlops,
  tallyMultiplier,
  trainingStepFlops,
  type TrainFlopsTally,
} from '../flops.ts';
import type { WeightLayerDescription } from '../models/types.ts';
import type { LayerAllocation } from '../sparsity/distributions.ts';
import { writeMaskChanges, type MaskChange, type SlotPolicy } from './mask-update.ts';
import type {
  ControllerLayerSummary,
  ControllerState,
  MaskUpdateInput,
  MaskUpdateReport,
  SparseController,
} from './types.ts';

export interface MaskedControllerOptions {
  layers: readonly WeightLayerDescription[];
  /** One entry per weight layer, in the order of `layers`. */
  allocation: readonly LayerAllocation[];
  /** One 0/1 mask per masked layer of the allocation. */
  initialMasks: ReadonlyMap<string, Uint8Array>;
  replacesOptimizerStep: boolean;
  denseMomentum: boolean;
}

/** What a masked layer looks like to a method at update time. */
export interface MaskedLayerView {
  name: string;
  shape: readonly number[];
  size: number;
  mask: Uint8Array;
  activeCount: number;
}

interface SavedJson {
  updateCount: number;
  tally: TrainFlopsTally;
  method: unknown;
}

export class MaskedController implements SparseController {
  readonly replacesOptimizerStep: boolean;
  readonly denseMomentum: boolean;
  protected readonly layers: readonly WeightLayerDescription[];
  protected readonly allocation: ReadonlyMap<string, LayerAllocation>;
  private readonly hostMasks = new Map<string, Uint8Array>();
  private readonly maskVariables = new Map<string, tf.Variable>();
  private readonly denseForward: number;
  private sparseForward = 0;
  private tally: TrainFlopsTally = emptyTally();
  private updates = 0;
  private disposed = false;

  constructor(options: MaskedControllerOptions) {
    this.layers = options.layers;
    this.replacesOptimizerStep = options.replacesOptimizerStep;
    this.denseMomentum = options.denseMomentum;
    if (options.allocation.length !== options.layers.length) {
      throw new TrainerInvariantError(
        `allocation has ${options.allocation.length} layers but the model has ${options.layers.length}`,
      );
    }
    this.allocation = new Map(options.allocation.map((a) => [a.name, a]));
    for (const layer of options.layers) {
      const alloc = this.allocation.get(layer.name);
      if (alloc === undefined) throw new TrainerInvariantError(`no allocation for layer '${layer.name}'`);
      if (!alloc.masked) continue;
      const mask = options.initialMasks.get(layer.name);
      const size = layer.shape.reduce((a, b) => a * b, 1);
      if (mask === undefined || mask.length !== size) {
        throw new TrainerInvariantError(`initial mask of layer '${layer.name}' must have ${size} entries`);
      }
      this.hostMasks.set(layer.name, mask.slice());
      this.maskVariables.set(
        layer.name,
        tf.tidy(() => tf.variable(tf.tensor(Float32Array.from(mask), layer.shape, 'float32'), false)),
      );
    }
    this.denseForward = denseForwardFlops(options.layers);
    this.refreshSparseForward();
  }

  masks(): ReadonlyMap<string, tf.Tensor> {
    return this.maskVariables;
  }

  applyInitialMasks(weights: ReadonlyMap<string, tf.Variable>): void {
    for (const [name, mask] of this.maskVariables) {
      const weight = weights.get(name);
      if (weight === undefined) throw new TrainerInvariantError(`no weight variable for masked layer '${name}'`);
      if (weight.size !== mask.size) {
        throw new TrainerInvariantError(`weight '${name}' has shape [${weight.shape}] but its mask [${mask.shape}]`);
      }
      tf.tidy(() => weight.assign(tf.mul(weight, tf.reshape(mask, weight.shape))));
    }
  }

  isUpdateStep(_step: number): boolean {
    return false;
  }

  needsDenseGradient(_step: number): boolean {
    return false;
  }

  update(input: MaskUpdateInput): MaskUpdateReport {
    throw new TrainerInvariantError(`update() called at step ${input.step}, which is not an update step of this method`);
  }

  recordStep(step: number): void {
    const kind = this.needsDenseGradient(step) ? 'dense-gradient' : 'sparse-gradient';
    this.tally = addStep(this.tally, trainingStepFlops(kind, this.sparseForward, this.denseForward));
  }

  /** Before the first step: the multiplier of one ordinary step. */
  trainMultiplier(): number {
    return tallyMultiplier(this.tally, this.denseForward, this.inferenceMultiplier());
  }

  inferenceMultiplier(): number {
    return this.denseForward === 0 ? 1 : this.sparseForward / this.denseForward;
  }

  layerSummaries(): ControllerLayerSummary[] {
    return this.layers.map((layer) => {
      const mask = this.hostMasks.get(layer.name);
      const size = layer.shape.reduce((a, b) => a * b, 1);
      return {
        name: layer.name,
        targetDensity: this.targetDensityOf(layer.name),
        activeCount: mask === undefined ? size : countActive(mask),
      };
    });
  }

  maskUpdateCount(): number {
    return this.updates;
  }

  state(): ControllerState {
    const masks: Record<string, Uint8Array> = {};
    for (const [name, mask] of this.hostMasks) masks[name] = mask.slice();
    const json: SavedJson = { updateCount: this.updates, tally: { ...this.tally }, method: this.methodState() };
    return { masks, json };
  }

  restore(state: ControllerState): void {
    const names = Object.keys(state.masks).sort();
    const expected = [...this.hostMasks.keys()].sort();
    if (names.join('\u0000') !== expected.join('\u0000')) {
      throw new CheckpointError(
        `checkpoint has masks for [${names.join(', ')}] but this run masks [${expected.join(', ')}]`,
      );
    }
    const json = state.json as Partial<SavedJson> | null;
    if (
      json === null ||
      typeof json !== 'object' ||
      typeof json.updateCount !== 'number' ||
      typeof json.tally?.steps !== 'number' ||
      typeof json.tally?.flops !== 'number'
    ) {
      throw new CheckpointError('checkpoint controller state lacks updateCount or the FLOP tally');
    }
    for (const name of expected) {
      const mask = state.masks[name]!;
      const current = this.hostMasks.get(name)!;
      if (mask.length !== current.length || mask.some((v) => v !== 0 && v !== 1)) {
        throw new CheckpointError(`checkpoint mask '${name}' must be ${current.length} bytes of 0 or 1`);
      }
    }
    for (const name of expected) {
      const mask = Uint8Array.from(state.masks[name]!);
      this.hostMasks.set(name, mask);
      const variable = this.maskVariables.get(name)!;
      tf.tidy(() => variable.assign(tf.tensor(Float32Array.from(mask), variable.shape, 'float32')));
    }
    this.updates = json.updateCount;
    this.tally = { steps: json.tally.steps, flops: json.tally.flops };
    this.restoreMethodState(json.method);
    this.refreshSparseForward();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const variable of this.maskVariables.values()) variable.dispose();
    this.maskVariables.clear();
  }

  // ----- for subclasses ------------------------------------------------------------------------

  /** Masked layers in model order, with their current host masks (do not modify them). */
  protected maskedLayers(): MaskedLayerView[] {
    const views: MaskedLayerView[] = [];
    for (const layer of this.layers) {
      const mask = this.hostMasks.get(layer.name);
      if (mask === undefined) continue;
      views.push({ name: layer.name, shape: layer.shape, size: mask.length, mask, activeCount: countActive(mask) });
    }
    return views;
  }

  /** Density reported in summaries: the allocation's (gmp overrides it with the density reached). */
  protected targetDensityOf(name: string): number {
    return this.allocation.get(name)!.density;
  }

  /** Method-specific JSON for checkpoints. */
  protected methodState(): unknown {
    return null;
  }

  protected restoreMethodState(_json: unknown): void {}

  /**
   * Writes the changed masks into tensors (mask-update.ts) and counts one mask update (an update
   * step that changes nothing still counts: it replaced an optimizer step).
   */
  protected commitMaskChanges(changes: readonly MaskChange[], input: MaskUpdateInput, slotPolicy: SlotPolicy): void {
    writeMaskChanges(changes, { masks: this.maskVariables, weights: input.weights, slots: input.slots, slotPolicy });
    for (const change of changes) this.hostMasks.set(change.name, change.after.slice());
    this.updates += 1;
    this.refreshSparseForward();
  }

  private refreshSparseForward(): void {
    this.sparseForward = sparseForwardFlops(
      this.layers.map((layer) => {
        const mask = this.hostMasks.get(layer.name);
        return { denseForwardFlops: layer.denseForwardFlops, density: mask === undefined ? 1 : countActive(mask) / mask.length };
      }),
    );
  }
}

export function countActive(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  return n;
}
