/**
 * Two one-sided tests (TOST, Schuirmann 1987) that a mean lies within ±margin of a claimed value.
 * With d = x̄ − value, SE = s/√n, ν = n − 1:
 *   H0₁: d ≤ −margin, rejected when t₁ = (d + margin)/SE is large: p₁ = P(T ≥ t₁);
 *   H0₂: d ≥ +margin, rejected when t₂ = (d − margin)/SE is small: p₂ = P(T ≤ t₂).
 * Equivalence is shown at level α when both reject (p = max(p₁, p₂) < α), which is the same as the
 * (1 − 2α) confidence interval d ± t_{1−α,ν}·SE lying inside (−margin, +margin).
 */
import { mean, sampleStd } from './descriptive.ts';
import { StatisticsArgumentError } from './errors.ts';
import { studentTCdf, studentTQuantile, studentTSurvival } from './student-t.ts';
import type { ConfidenceInterval } from './types.ts';
import { checkAlpha } from './welch.ts';

export interface TostResult {
  meanDifference: number;
  standardError: number;
  df: number;
  tLower: number;
  tUpper: number;
  pLower: number;
  pUpper: number;
  p: number;
  ci: ConfidenceInterval;
}

/**
 * TOST of `values` (n ≥ 2) against `value` ± `margin` (margin > 0). With zero sample variance the
 * statistics are ±∞ and the interval has zero width: the decision then rests on d alone.
 */
export function tostTest(values: readonly number[], value: number, margin: number, alpha: number): TostResult {
  checkAlpha(alpha, 'tostTest');
  if (!(margin > 0) || !Number.isFinite(margin)) {
    throw new StatisticsArgumentError(`tostTest: 'margin' must be a finite number > 0 but got ${margin}`);
  }
  if (!Number.isFinite(value)) {
    throw new StatisticsArgumentError(`tostTest: 'value' must be a finite number but got ${value}`);
  }
  if (values.length < 2) {
    throw new StatisticsArgumentError(`tostTest: 'values' needs at least 2 values but got ${values.length}`);
  }
  const n = values.length;
  const df = n - 1;
  const meanDifference = mean(values) - value;
  const standardError = sampleStd(values) / Math.sqrt(n);
  const level = 1 - 2 * alpha;
  const tLower = divideOrInfinity(meanDifference + margin, standardError);
  const tUpper = divideOrInfinity(meanDifference - margin, standardError);
  const pLower = pFromT(tLower, (t) => studentTSurvival(t, df), 'upper');
  const pUpper = pFromT(tUpper, (t) => studentTCdf(t, df), 'lower');
  const halfWidth = standardError === 0 ? 0 : studentTQuantile(1 - alpha, df) * standardError;
  return {
    meanDifference,
    standardError,
    df,
    tLower,
    tUpper,
    pLower,
    pUpper,
    p: Math.max(pLower, pUpper),
    ci: { level, lower: meanDifference - halfWidth, upper: meanDifference + halfWidth },
  };
}

/** x/se, with se = 0 giving ±∞ (or 0 when x = 0 too, a mean exactly on the margin). */
function divideOrInfinity(x: number, se: number): number {
  if (se > 0) return x / se;
  return x > 0 ? Infinity : x < 0 ? -Infinity : 0;
}

/** A one-sided p-value; ±∞ statistics give 0 or 1 without calling the distribution. */
function pFromT(t: number, tail: (t: number) => number, side: 'upper' | 'lower'): number {
  if (t === Infinity) return side === 'upper' ? 0 : 1;
  if (t === -Infinity) return side === 'upper' ? 1 : 0;
  return tail(t);
}
