/**
 * Initial parameter values, drawn on the host from the keyed generator (seed, 'init', paramName)
 * (house-style.md "Randomness is keyed"): the same seed gives the same weights on every backend and
 * machine, independent of the order in which parameters are created.
 */
import { keyedRandom } from '../random.ts';
import type { InitRule } from './plan.ts';
import { sizeOf } from './plan.ts';

export function initialValues(seed: number, paramName: string, shape: readonly number[], rule: InitRule): Float32Array {
  const out = new Float32Array(sizeOf(shape));
  switch (rule.kind) {
    case 'constant':
      out.fill(rule.value);
      return out;
    case 'uniform': {
      const rng = keyedRandom(seed, 'init', paramName);
      for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-rule.bound, rule.bound);
      return out;
    }
    case 'normal': {
      const rng = keyedRandom(seed, 'init', paramName);
      for (let i = 0; i < out.length; i++) out[i] = rule.std * rng.nextNormal();
      return out;
    }
  }
}
