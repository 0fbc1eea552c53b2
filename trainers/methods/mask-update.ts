/**
 * The one drop-and-grow of the package (rigl-spec §2.2), written once and used by every method that
 * changes masks; methods only say how many to drop and grow per layer and how to score growth.
 *
 * Per layer, given the mask before the update (active set A), the weights w, grow scores g and the
 * counts (k_drop, k_grow):
 * 1. drop D = the k_drop entries of A with the smallest |w|;
 * 2. grow G = the k_grow entries of (not A) ∪ D with the largest g ("inactive after the drop":
 *    previously inactive plus just dropped [REP methodology › Growth Strategy]);
 * 3. mask after = (A \ D) ∪ G.
 * Ties: the lower flat index is dropped first and grown first (trainers/sparsity/selection.ts).
 *
 * What happens to values (rigl-spec §2.2 items 5–7, 10): an entry active both before and after
 * keeps its weight and optimizer slots — this includes an entry dropped and regrown in the same
 * update, as in the authors' TF code and jaxpruner (a "new" connection is one inactive before the
 * update). Dropped entries and newly grown entries (inactive before) get weight 0 and, unless the
 * method keeps dense momentum (SNFS), every optimizer slot 0. In tensors: w ← w ⊙ (m_before ⊙ m_after).
 *
 * Invariants checked on every update (cheap, on host): |D| = k_drop, |G| = k_grow, the dropped and
 * newly grown sets are disjoint, and |A_after| = |A| − k_drop + k_grow; a violation throws
 * TrainerInvariantError [GR asserts the same: `Assert(reduce_sum(mask1*mask2)==0)`].
 */
import * as tf from '@tensorflow/tfjs-core';
import { TrainerInvariantError } from '../errors.ts';
import { indicesWhere, selectByScore } from '../sparsity/selection.ts';

export interface DropGrowInput {
  /** Layer name, for error messages. */
  layer: string;
  /** 0/1 mask before the update. */
  mask: Uint8Array;
  /** Current weights (flat, same length as the mask). */
  weights: ArrayLike<number>;
  /** Grow scores (flat); only entries inactive after the drop are read. Unused when growCount = 0. */
  growScores: ArrayLike<number> | null;
  dropCount: number;
  growCount: number;
}

export interface DropGrowSelection {
  /** 0/1 mask after the update. */
  mask: Uint8Array;
  /** Active before, inactive after (ascending flat indices). */
  dropped: Uint32Array;
  /** Inactive before, active after: the newly grown connections (ascending). */
  grown: Uint32Array;
  /** Dropped by magnitude and regrown by score in the same update: they keep weight and slots. */
  regrown: Uint32Array;
}

/** Host-side selection of one layer's update (no tensors). */
export function selectDropAndGrow(input: DropGrowInput): DropGrowSelection {
  const { layer, mask, weights, growScores, dropCount, growCount } = input;
  const size = mask.length;
  if (weights.length !== size) {
    throw new TrainerInvariantError(`layer '${layer}': ${weights.length} weights but a mask of ${size} entries`);
  }
  const active = indicesWhere(mask, 1);
  if (!Number.isInteger(dropCount) || dropCount < 0 || dropCount > active.length) {
    throw new TrainerInvariantError(
      `layer '${layer}': drop count must be an integer in [0, ${active.length}] (active weights) but got ${dropCount}`,
    );
  }
  const magnitudes = new Float32Array(size);
  for (let i = 0; i < size; i++) magnitudes[i] = Math.abs(weights[i]!);
  const dropSet = selectByScore(active, magnitudes, dropCount, 'smallest');

  const afterDrop = mask.slice();
  for (const i of dropSet) afterDrop[i] = 0;
  const candidates = indicesWhere(afterDrop, 0);
  if (!Number.isInteger(growCount) || growCount < 0 || growCount > candidates.length) {
    throw new TrainerInvariantError(
      `layer '${layer}': grow count must be an integer in [0, ${candidates.length}] (inactive after the drop) but got ${growCount}`,
    );
  }
  let growSet: Uint32Array = new Uint32Array(0);
  if (growCount > 0) {
    if (growScores === null || growScores.length !== size) {
      throw new TrainerInvariantError(`layer '${layer}': grow scores must have ${size} entries`);
    }
    growSet = selectByScore(candidates, growScores, growCount, 'largest');
  }

  const after = afterDrop;
  for (const i of growSet) after[i] = 1;
  const dropped: number[] = [];
  const regrown: number[] = [];
  for (const i of dropSet) (after[i] === 1 ? regrown : dropped).push(i);
  const grown: number[] = [];
  for (const i of growSet) if (mask[i] === 0) grown.push(i);

  const selection: DropGrowSelection = {
    mask: after,
    dropped: Uint32Array.from(dropped),
    grown: Uint32Array.from(grown),
    regrown: Uint32Array.from(regrown),
  };
  checkSelection(layer, mask, selection, dropCount, growCount);
  return selection;
}

/** The invariants of one layer's update (see the module comment). */
export function checkSelection(
  layer: string,
  before: Uint8Array,
  selection: DropGrowSelection,
  dropCount: number,
  growCount: number,
): void {
  const fail = (what: string) => {
    throw new TrainerInvariantError(`mask update of layer '${layer}': ${what}`);
  };
  let activeBefore = 0;
  let activeAfter = 0;
  for (let i = 0; i < before.length; i++) {
    activeBefore += before[i]!;
    activeAfter += selection.mask[i]!;
  }
  if (selection.dropped.length + selection.regrown.length !== dropCount) {
    fail(`dropped ${selection.dropped.length + selection.regrown.length} instead of ${dropCount}`);
  }
  if (selection.grown.length + selection.regrown.length !== growCount) {
    fail(`grew ${selection.grown.length + selection.regrown.length} instead of ${growCount}`);
  }
  if (activeAfter !== activeBefore - dropCount + growCount) {
    fail(`${activeAfter} active after, expected ${activeBefore} − ${dropCount} + ${growCount}`);
  }
  const droppedSet = new Set(selection.dropped);
  for (const i of selection.grown) {
    if (droppedSet.has(i)) fail(`entry ${i} is both dropped and newly grown`);
    if (before[i] !== 0 || selection.mask[i] !== 1) fail(`newly grown entry ${i} was not inactive before and active after`);
  }
  for (const i of selection.dropped) {
    if (before[i] !== 1 || selection.mask[i] !== 0) fail(`dropped entry ${i} was not active before and inactive after`);
  }
}

/** Optimizer slots of changed entries: zeroed (sparse momentum), or left alone (SNFS' dense momentum). */
export type SlotPolicy = 'reset-changed' | 'keep';

export interface MaskChange {
  name: string;
  before: Uint8Array;
  after: Uint8Array;
}

export interface MaskWriteTargets {
  /** The controller's mask variables, by layer name (assigned in place, so references stay valid). */
  masks: ReadonlyMap<string, tf.Variable>;
  weights: ReadonlyMap<string, tf.Variable>;
  slots: ReadonlyMap<string, readonly tf.Variable[]>;
  slotPolicy: SlotPolicy;
}

function lookup<T>(map: ReadonlyMap<string, T>, name: string, what: string): T {
  const value = map.get(name);
  if (value === undefined) throw new TrainerInvariantError(`no ${what} for masked layer '${name}'`);
  return value;
}

/**
 * Writes mask changes into tensors: mask ← after; weight ← w ⊙ (before ⊙ after); each slot the
 * same unless `slotPolicy` is 'keep'. Creates no lasting tensors besides the new values.
 */
export function writeMaskChanges(changes: readonly MaskChange[], targets: MaskWriteTargets): void {
  for (const change of changes) {
    const { name, before, after } = change;
    const maskVar = lookup(targets.masks, name, 'mask');
    const weight = lookup(targets.weights, name, 'weight');
    const slots = targets.slotPolicy === 'keep' ? [] : (targets.slots.get(name) ?? []);
    if (before.length !== weight.size || after.length !== weight.size) {
      throw new TrainerInvariantError(`layer '${name}': mask of ${after.length} entries for a weight of ${weight.size}`);
    }
    const keep = new Float32Array(after.length);
    const next = new Float32Array(after.length);
    for (let i = 0; i < after.length; i++) {
      keep[i] = before[i]! & after[i]!;
      next[i] = after[i]!;
    }
    tf.tidy(() => {
      const keepTensor = tf.tensor(keep, weight.shape, 'float32');
      weight.assign(tf.mul(weight, keepTensor));
      for (const slot of slots) {
        if (slot.size !== weight.size) {
          throw new TrainerInvariantError(`layer '${name}': optimizer slot of shape [${slot.shape}] for weight [${weight.shape}]`);
        }
        slot.assign(tf.mul(slot, tf.reshape(keepTensor, slot.shape)));
      }
      maskVar.assign(tf.tensor(next, maskVar.shape, 'float32'));
    });
  }
}
