/**
 * Public surface of verification: evaluate claims against stored runs and map verdicts to an
 * exit code; the statistics are exported for reports and tests.
 */
export type {
  ClaimStatistic,
  ClaimVerdict,
  ClaimedValues,
  ConfidenceInterval,
  GroupMeasurement,
  RunRecord,
  VerdictKind,
} from './types.ts';
export { evaluateClaim, evaluateClaims, exitCodeForVerdicts, measureGroup } from './evaluate.ts';
export { claimProblems, type ClaimProblem } from './claim-problems.ts';
export { InvalidClaimError, StatisticsArgumentError } from './errors.ts';
export { DEFAULT_METRIC, resolveMetric, type MetricLookup } from './metric.ts';
export { axisValueMatches, describeSelector, matchesSelector } from './groups.ts';
export { mean, olympicMean, sampleStd, sampleVariance } from './descriptive.ts';
export { studentTCdf, studentTPdf, studentTQuantile, studentTSurvival } from './student-t.ts';
export { welchSatterthwaiteDf, welchTest, type WelchResult } from './welch.ts';
export { tostTest, type TostResult } from './tost.ts';
export { SEEDS_TO_DECIDE_CAP, seedsToDecideEquivalence, seedsToDecideOrder } from './seeds-to-decide.ts';
export { formatNumber, formatPValue } from './format-number.ts';
