/**
 * Descriptive statistics of a sample of per-seed metric values.
 */
import { StatisticsArgumentError } from './errors.ts';

function checkSample(values: readonly number[], minLength: number, caller: string): void {
  if (values.length < minLength) {
    throw new StatisticsArgumentError(
      `${caller}: 'values' must hold at least ${minLength} number(s) but holds ${values.length}`,
    );
  }
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new StatisticsArgumentError(`${caller}: 'values[${bad}]' must be a finite number but is ${values[bad]}`);
  }
}

/** Arithmetic mean (n ≥ 1). */
export function mean(values: readonly number[]): number {
  checkSample(values, 1, 'mean');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample variance with n − 1 in the denominator (n ≥ 2), two-pass for accuracy. */
export function sampleVariance(values: readonly number[]): number {
  checkSample(values, 2, 'sampleVariance');
  const m = mean(values);
  let sumSquares = 0;
  let sumDeviations = 0;
  for (const v of values) {
    sumSquares += (v - m) * (v - m);
    sumDeviations += v - m;
  }
  // Corrected two-pass formula (Chan, Golub & LeVeque 1983): removes the rounding error of m.
  return (sumSquares - (sumDeviations * sumDeviations) / values.length) / (values.length - 1);
}

/**
 * Sample standard deviation, n − 1 in the denominator (n ≥ 2): what the papers print as "± std"
 * (REP uses pandas' default ddof = 1; research/claims.md §A).
 */
export function sampleStd(values: readonly number[]): number {
  return Math.sqrt(sampleVariance(values));
}

/**
 * Olympic mean: the mean after dropping one best and one worst value (MLCommons' reference
 * convergence checker does this to resist one outlying seed). Needs n ≥ 3.
 */
export function olympicMean(values: readonly number[]): number {
  checkSample(values, 3, 'olympicMean');
  const sorted = [...values].sort((a, b) => a - b);
  return mean(sorted.slice(1, -1));
}
