/**
 * How many seeds would decide an undecided t-test, at the effect and spread observed so far.
 *
 * This is a "what if the numbers stay the same" calculation, not a promise: it returns the
 * smallest n (seeds per group) at which a test run on samples with the *observed* means and
 * standard deviations would reach the decision threshold. Under the usual power analysis, the
 * true effect equal to the observed one gives a fresh experiment of that size about a 50 % chance
 * of deciding (power ≈ ½); more seeds are needed for higher power. Rounding: n is an integer ≥ 2
 * (a t-test needs two values per group).
 *
 * - `order` (Welch, equal n per group): smallest n with |d| / √((s_A² + s_B²)/n) > t_{1−α, ν(n)},
 *   ν(n) = (n − 1)(s_A² + s_B²)² / (s_A⁴ + s_B⁴) (Welch–Satterthwaite with n_A = n_B = n).
 *   Deciding means verifying when d points the claimed way, failing otherwise.
 * - `equivalence` (TOST): smallest n with |margin − |d|| · √n / s > t_{1−α, n−1}: the (1 − 2α)
 *   interval then sits wholly inside (verify) or wholly outside (fail) the margin.
 * Both left sides grow like √n while the critical value falls, so the condition is monotone in n
 * and a doubling-then-bisection search finds the smallest n exactly.
 */
import { StatisticsArgumentError } from './errors.ts';
import { studentTQuantile } from './student-t.ts';
import { checkAlpha } from './welch.ts';

/** Seeds per group beyond which the search stops and reports that many (effects ~1e-4 σ). */
export const SEEDS_TO_DECIDE_CAP = 1_000_000_000;

/** Smallest integer n ≥ 2 with decides(n), searching up to the cap; null if none up to it. */
function smallestDecidingN(decides: (n: number) => boolean): number | null {
  if (decides(2)) return 2;
  let lo = 2; // decides(lo) is false
  let hi = 4;
  while (!decides(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > SEEDS_TO_DECIDE_CAP) return decides(SEEDS_TO_DECIDE_CAP) ? bisect(lo, SEEDS_TO_DECIDE_CAP) : null;
  }
  return bisect(lo, hi);

  function bisect(low: number, high: number): number {
    // Invariant: decides(low) false, decides(high) true.
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (decides(mid)) high = mid;
      else low = mid;
    }
    return high;
  }
}

/**
 * Seeds per group for Welch's one-sided test at `alpha` to reject (either way) given the observed
 * mean difference and the two sample standard deviations. Null when the difference is 0.
 */
export function seedsToDecideOrder(meanDifference: number, stdA: number, stdB: number, alpha: number): number | null {
  checkAlpha(alpha, 'seedsToDecideOrder');
  for (const [name, s] of [['stdA', stdA], ['stdB', stdB]] as const) {
    if (!(s >= 0) || !Number.isFinite(s)) {
      throw new StatisticsArgumentError(`seedsToDecideOrder: '${name}' must be a finite number ≥ 0 but got ${s}`);
    }
  }
  const effect = Math.abs(meanDifference);
  if (!(effect > 0)) return null;
  const varianceSum = stdA ** 2 + stdB ** 2;
  if (varianceSum === 0) return 2;
  const varianceFourthSum = stdA ** 4 + stdB ** 4;
  return smallestDecidingN((n) => {
    const df = ((n - 1) * varianceSum ** 2) / varianceFourthSum;
    return effect / Math.sqrt(varianceSum / n) > studentTQuantile(1 - alpha, df);
  });
}

/**
 * Seeds for TOST at `alpha` to decide (verify or fail) given the observed difference from the
 * claimed value, the sample standard deviation and the margin. Null when |difference| = margin.
 */
export function seedsToDecideEquivalence(
  meanDifference: number,
  std: number,
  margin: number,
  alpha: number,
): number | null {
  checkAlpha(alpha, 'seedsToDecideEquivalence');
  if (!(std >= 0) || !Number.isFinite(std)) {
    throw new StatisticsArgumentError(`seedsToDecideEquivalence: 'std' must be a finite number ≥ 0 but got ${std}`);
  }
  const distanceToMargin = Math.abs(margin - Math.abs(meanDifference));
  if (!(distanceToMargin > 0)) return null;
  if (std === 0) return 2;
  return smallestDecidingN((n) => (distanceToMargin * Math.sqrt(n)) / std > studentTQuantile(1 - alpha, n - 1));
}
