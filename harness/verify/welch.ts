/**
 * Welch's unequal-variance t-test (Welch 1947), one-sided, for "group A beats group B".
 *   t  = (x̄_A − x̄_B) / √(s_A²/n_A + s_B²/n_B)
 *   ν  = (s_A²/n_A + s_B²/n_B)² / ( (s_A²/n_A)²/(n_A − 1) + (s_B²/n_B)²/(n_B − 1) )   (Welch–Satterthwaite)
 */
import { mean, sampleVariance } from './descriptive.ts';
import { StatisticsArgumentError } from './errors.ts';
import { studentTCdf, studentTQuantile, studentTSurvival } from './student-t.ts';
import type { ConfidenceInterval } from './types.ts';

export interface WelchResult {
  /** x̄_A − x̄_B. */
  meanDifference: number;
  standardError: number;
  t: number;
  df: number;
  /** One-sided p for H1: μ_A > μ_B, i.e. P(T ≥ t). */
  pGreater: number;
  /** One-sided p for H1: μ_A < μ_B, i.e. P(T ≤ t). */
  pLess: number;
  /** (1 − 2α) interval for μ_A − μ_B; its ends are the one-sided (1 − α) bounds. */
  ci: ConfidenceInterval;
}

export function checkAlpha(alpha: number, caller: string): void {
  if (!(alpha > 0 && alpha < 0.5)) {
    throw new StatisticsArgumentError(`${caller}: 'alpha' must be in (0, 0.5) but got ${alpha}`);
  }
}

/** Welch–Satterthwaite degrees of freedom from the per-group variances of the means (s²/n). */
export function welchSatterthwaiteDf(varianceOfMeanA: number, nA: number, varianceOfMeanB: number, nB: number): number {
  const numerator = (varianceOfMeanA + varianceOfMeanB) ** 2;
  const denominator = varianceOfMeanA ** 2 / (nA - 1) + varianceOfMeanB ** 2 / (nB - 1);
  return numerator / denominator;
}

/**
 * Welch's test of sample A against sample B (each n ≥ 2). When both samples have zero variance the
 * t statistic is ±∞ (or 0 for equal means), the p-values are 0/1 (or ½), and ν falls back to
 * n_A + n_B − 2, which then only sizes the (zero-width) interval.
 */
export function welchTest(a: readonly number[], b: readonly number[], alpha: number): WelchResult {
  checkAlpha(alpha, 'welchTest');
  if (a.length < 2 || b.length < 2) {
    throw new StatisticsArgumentError(
      `welchTest: each sample needs at least 2 values but got ${a.length} and ${b.length}`,
    );
  }
  const varianceOfMeanA = sampleVariance(a) / a.length;
  const varianceOfMeanB = sampleVariance(b) / b.length;
  const meanDifference = mean(a) - mean(b);
  const standardError = Math.sqrt(varianceOfMeanA + varianceOfMeanB);
  const level = 1 - 2 * alpha;
  if (standardError === 0) {
    const t = meanDifference > 0 ? Infinity : meanDifference < 0 ? -Infinity : 0;
    return {
      meanDifference,
      standardError,
      t,
      df: a.length + b.length - 2,
      pGreater: t > 0 ? 0 : t < 0 ? 1 : 0.5,
      pLess: t < 0 ? 0 : t > 0 ? 1 : 0.5,
      ci: { level, lower: meanDifference, upper: meanDifference },
    };
  }
  const t = meanDifference / standardError;
  const df = welchSatterthwaiteDf(varianceOfMeanA, a.length, varianceOfMeanB, b.length);
  const critical = studentTQuantile(1 - alpha, df);
  return {
    meanDifference,
    standardError,
    t,
    df,
    pGreater: studentTSurvival(t, df),
    pLess: studentTCdf(t, df),
    ci: { level, lower: meanDifference - critical * standardError, upper: meanDifference + critical * standardError },
  };
}
