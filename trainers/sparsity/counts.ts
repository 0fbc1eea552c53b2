/**
 * Exact integer counts from fractions (rigl-spec §2.4, §4.3).
 *
 * The authors' code fixes the number of zeros of a layer as floor(s · N) and keeps
 * N − floor(s · N) active weights [GR: rigl/sparse_utils.py › get_n_zeros]. Products such as
 * 0.95 · 1000 are not exact in binary floating point (949.9999999999999), so a product within a
 * relative 1e-9 of an integer is taken as that integer before flooring; any other product floors.
 */
import type { CountRounding } from '../run-manifest.ts';

const INTEGER_SNAP_RELATIVE = 1e-9;

/** x if x is within a relative 1e-9 of an integer, snapped to it; otherwise x unchanged. */
function snapToInteger(x: number): number {
  const nearest = Math.round(x);
  return Math.abs(x - nearest) <= INTEGER_SNAP_RELATIVE * Math.max(1, Math.abs(x)) ? nearest : x;
}

/** Round a non-negative real count by the manifest's convention (rigl-spec §8.1). */
export function roundCount(x: number, rounding: CountRounding): number {
  if (!Number.isFinite(x) || x < 0) {
    throw new RangeError(`'x' passed to roundCount() must be a finite number >= 0 but got ${x}`);
  }
  const snapped = snapToInteger(x);
  switch (rounding) {
    case 'floor':
      return Math.floor(snapped);
    case 'ceil':
      return Math.ceil(snapped);
    case 'round':
      return Math.round(snapped);
  }
}

/** Number of zeros of a layer of `size` weights at `sparsity`: floor(s · N) [GR get_n_zeros]. */
export function zerosAtSparsity(size: number, sparsity: number): number {
  if (!Number.isInteger(size) || size < 0) {
    throw new RangeError(`'size' passed to zerosAtSparsity() must be an integer >= 0 but got ${size}`);
  }
  if (!(sparsity >= 0 && sparsity <= 1)) {
    throw new RangeError(`'sparsity' passed to zerosAtSparsity() must be in [0, 1] but got ${sparsity}`);
  }
  return roundCount(sparsity * size, 'floor');
}

/** Active weights of a layer at `density`: N − floor((1 − d) · N) (rigl-spec §4.3). */
export function activeCountAtDensity(size: number, density: number): number {
  if (!(density >= 0 && density <= 1)) {
    throw new RangeError(`'density' passed to activeCountAtDensity() must be in [0, 1] but got ${density}`);
  }
  return size - zerosAtSparsity(size, 1 - density);
}
