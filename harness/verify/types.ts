/**
 * What verification consumes (stored runs) and produces (one verdict per claim): design.md "Claims
 * and verdicts". The CLI loads runs from a store into `RunRecord`s, `evaluateClaims` turns claims
 * and runs into `ClaimVerdict`s, and reports render them. Everything here is plain JSON data, so a
 * verdict list is also what `verify --json` prints.
 */
import type { AverageKind, Claim, ClaimSource, GroupSelector } from '../manifest/types.ts';
import type { RunEvent } from '../../trainers/events.ts';
import type { RunSummary } from '../../trainers/run-summary.ts';

/** One stored run of a suite, as verification and reports see it. */
export interface RunRecord {
  /** Position of the run in `plan` order (0-based). */
  index: number;
  runId: string;
  /** Axis name → value for this run; axes its grid block did not set are absent. */
  axes: Record<string, string | number>;
  summary: RunSummary;
  /** The run's events.jsonl, in file order (learning curves in reports). */
  events: RunEvent[];
}

export type VerdictKind = 'verified' | 'failed' | 'inconclusive';

/** The metric measured on one group of runs. */
export interface GroupMeasurement {
  /** `group` for abs, rel and equivalence claims; `better` / `worse` for order claims. */
  role: 'group' | 'better' | 'worse';
  selector: GroupSelector;
  /** Runs that matched the selector and fed the statistic, in plan order. */
  runIds: string[];
  /** The metric of each run, same order as `runIds`. */
  values: number[];
  n: number;
  /** Arithmetic mean; null when n = 0. */
  mean: number | null;
  /** Sample standard deviation (n − 1 in the denominator); null when n < 2. */
  std: number | null;
  /** Which average the claim compares (abs/rel may ask for the olympic mean; tests use the mean). */
  average: AverageKind;
  /** The average the claim compares: the mean, or the olympic mean (n ≥ 3); null when undefined. */
  averageValue: number | null;
  /** Matched runs left out of the statistic, with why (aborted run, metric missing or not finite). */
  excluded: { runId: string; reason: string }[];
}

/** The claimed numbers, by claim kind. */
export type ClaimedValues =
  | {
      kind: 'abs';
      value: number;
      publishedStd: number | null;
      /** Absolute tolerance in the metric's unit. */
      tolerance: number;
      /** Accepted interval [value − tolerance, value + tolerance]. */
      lower: number;
      upper: number;
    }
  | {
      kind: 'rel';
      value: number;
      publishedStd: number | null;
      /** Relative tolerance (a fraction of |value|). */
      tolerance: number;
      /** Accepted interval [value − tolerance·|value|, value + tolerance·|value|]. */
      lower: number;
      upper: number;
    }
  | { kind: 'equivalence'; value: number; publishedStd: number | null; margin: number; alpha: number }
  | { kind: 'order'; direction: 'higher' | 'lower'; alpha: number }
  | { kind: 'all' };

/** A (two-sided) confidence interval. */
export interface ConfidenceInterval {
  /** e.g. 0.90 for the (1 − 2α) interval with α = 0.05. */
  level: number;
  lower: number;
  upper: number;
}

/** The statistic a verdict rests on. */
export type ClaimStatistic =
  | {
      kind: 'tolerance';
      /** The compared average (mean or olympic mean) of the group. */
      measured: number;
      /** measured − value. */
      difference: number;
      /** The largest |difference| accepted, in the metric's unit. */
      allowed: number;
    }
  | {
      kind: 'welch';
      /** mean(better) − mean(worse). */
      meanDifference: number;
      standardError: number;
      /** (mean(better) − mean(worse)) / standardError. */
      t: number;
      /** Welch–Satterthwaite degrees of freedom. */
      df: number;
      /** One-sided p-value for the claimed direction. */
      pClaimed: number;
      /** One-sided p-value for the opposite direction (= 1 − pClaimed). */
      pOpposite: number;
      alpha: number;
      /** (1 − 2α) interval for mean(better) − mean(worse); its ends are the one-sided bounds at α. */
      ci: ConfidenceInterval;
    }
  | {
      kind: 'tost';
      /** mean − value. */
      meanDifference: number;
      standardError: number;
      df: number;
      margin: number;
      /** (difference + margin) / SE: tests H0 difference ≤ −margin. */
      tLower: number;
      /** (difference − margin) / SE: tests H0 difference ≥ +margin. */
      tUpper: number;
      pLower: number;
      pUpper: number;
      /** max(pLower, pUpper): the TOST p-value. */
      p: number;
      alpha: number;
      /** (1 − 2α) interval for mean − value. */
      ci: ConfidenceInterval;
    }
  | {
      kind: 'all';
      verified: number;
      failed: number;
      inconclusive: number;
    };

interface VerdictCommon {
  claimId: string;
  kind: Claim['kind'];
  description: string;
  source: ClaimSource;
  metric: string;
  claimed: ClaimedValues;
  /** One entry for abs/rel/equivalence, two (better, worse) for order, none for all. */
  groups: GroupMeasurement[];
  /** Null when the statistic could not be computed (too few runs). */
  statistic: ClaimStatistic | null;
  /** The decision rule in words, with this claim's numbers. */
  decisionRule: string;
  /** Why this verdict, in one sentence with the numbers. */
  why: string;
  /** Every run that fed the verdict (for `all`: the union over sub-claims), in plan order, no repeats. */
  runIds: string[];
  /** Sub-verdicts of an `all` claim, in claim order; empty for other kinds. */
  subVerdicts: ClaimVerdict[];
}

export type ClaimVerdict =
  | (VerdictCommon & { verdict: 'verified' })
  | (VerdictCommon & { verdict: 'failed' })
  | (VerdictCommon & {
      verdict: 'inconclusive';
      /**
       * Seeds (runs per group) that would decide the claim. For an undecided t-test (order,
       * equivalence): the smallest n at which the observed effect and standard deviations would
       * reach the decision threshold (harness/verify/seeds-to-decide.ts documents the
       * calculation). For abs/rel without enough runs: the runs the average needs (1, or 3 for
       * the olympic mean). For `all`: the largest over its undecided sub-claims. Null where no
       * number of seeds would decide it (zero effect, a mean exactly on the margin) or the
       * variance is unknown (fewer than 2 runs in every group and no published std).
       */
      seedsToDecide: number | null;
    });
