/**
 * Grow scores and layer statistics, each written once and named by what it reads. All return host
 * arrays over a whole layer (flat, tfjs layout); mask-update.ts reads only the entries it may grow.
 */
import { TrainerInvariantError } from '../errors.ts';
import { keyedRandom } from '../random.ts';
import type { MaskUpdateInput } from './types.ts';

/** |∂L/∂θ| of this step's dense gradient (RigL's grow criterion, rigl-spec §2.2 item 4). */
export function absoluteGradient(input: MaskUpdateInput, layer: string): Float32Array {
  const gradient = input.gradients.get(layer);
  if (gradient === undefined) {
    throw new TrainerInvariantError(`no dense gradient of layer '${layer}' at update step ${input.step}`);
  }
  return absolute(gradient.dataSync());
}

/**
 * |momentum| from the first optimizer slot (SGD's momentum buffer): SNFS' grow criterion and the
 * RigL-SM statistic (rigl-spec §3.4, §3.5).
 */
export function absoluteMomentum(input: MaskUpdateInput, layer: string): Float32Array {
  const slot = input.slots.get(layer)?.[0];
  if (slot === undefined) {
    throw new TrainerInvariantError(
      `layer '${layer}' has no momentum slot at step ${input.step}: momentum-based methods need SGD with momentum > 0`,
    );
  }
  return absolute(slot.dataSync());
}

/**
 * Uniform random scores keyed on (seed, 'grow', layer, step): growing the top k of them is a
 * uniform draw of k inactive connections (SET, rigl-spec §3.3) that is the same on every machine.
 */
export function uniformRandomScores(seed: number, layer: string, step: number, size: number): Float64Array {
  const random = keyedRandom(seed, 'grow', layer, step);
  // 53-bit floats: ties among a layer's scores are practically impossible (Float32 would have them).
  const scores = new Float64Array(size);
  for (let i = 0; i < size; i++) scores[i] = random.nextFloat();
  return scores;
}

/** Mean of `values` over the active entries of `mask`; 0 for a layer with no active entry. */
export function meanOverActive(values: ArrayLike<number>, mask: Uint8Array): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 1) {
      sum += values[i]!;
      count += 1;
    }
  }
  return count === 0 ? 0 : sum / count;
}

function absolute(values: ArrayLike<number>): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.abs(values[i]!);
  return out;
}
