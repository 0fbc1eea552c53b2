/**
 * Initial masks with exact per-layer counts: n_active entries chosen uniformly at random without
 * replacement, keyed on (seed, 'mask-init', layer), so the same manifest gives the same masks on
 * every machine [GR: rigl/sparse_utils.py › get_mask_random_numpy shuffles a vector with exactly
 * floor(s · N) zeros] (rigl-spec §2.4). The report's code draws Bernoulli masks instead, whose counts
 * drift (recipes.md); the harness uses exact counts.
 */
import { keyedRandom } from '../random.ts';
import type { LayerAllocation } from '../sparsity/distributions.ts';

export function randomExactMask(seed: number, layer: string, size: number, activeCount: number): Uint8Array {
  if (!Number.isInteger(activeCount) || activeCount < 0 || activeCount > size) {
    throw new RangeError(
      `'activeCount' passed to randomExactMask() for layer '${layer}' must be an integer in [0, ${size}] but got ${activeCount}`,
    );
  }
  const mask = new Uint8Array(size);
  if (activeCount === size) return mask.fill(1);
  const chosen = keyedRandom(seed, 'mask-init', layer).sampleWithoutReplacement(size, activeCount);
  for (const i of chosen) mask[i] = 1;
  return mask;
}

/** A random exact-count mask for every masked layer of the allocation. */
export function randomInitialMasks(seed: number, allocation: readonly LayerAllocation[]): Map<string, Uint8Array> {
  const masks = new Map<string, Uint8Array>();
  for (const a of allocation) {
    if (a.masked) masks.set(a.name, randomExactMask(seed, a.name, a.size, a.activeCount));
  }
  return masks;
}

/** All-ones masks for every masked layer (dense start: gmp). */
export function denseInitialMasks(allocation: readonly LayerAllocation[]): Map<string, Uint8Array> {
  const masks = new Map<string, Uint8Array>();
  for (const a of allocation) if (a.masked) masks.set(a.name, new Uint8Array(a.size).fill(1));
  return masks;
}
