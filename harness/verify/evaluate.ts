/**
 * Claims + stored runs → one verdict per claim, by the decision rules of design.md "Claims and
 * verdicts":
 * - `abs` / `rel`: verified when the group's average (mean, or olympic mean with ≥ 3 runs) is
 *   within the tolerance of the published value, failed otherwise; inconclusive only when there
 *   are no usable runs (or fewer than 3 for an olympic mean);
 * - `equivalence` (TOST at α): verified when both one-sided tests reject, failed when the (1 − 2α)
 *   interval lies wholly outside the margin, inconclusive otherwise;
 * - `order` (Welch, one-sided at α): verified when the test rejects in the claimed direction,
 *   failed when it rejects in the opposite direction, inconclusive otherwise;
 * - `all`: failed when any sub-claim failed, else inconclusive when any is inconclusive, else verified.
 * A t-test with fewer than 2 usable runs in a group is inconclusive, with why. Runs that aborted,
 * or whose metric is missing or not finite, are left out and listed in the group's `excluded`.
 */
import type { AverageKind, Claim, GroupSelector } from '../manifest/types.ts';
import { claimProblems } from './claim-problems.ts';
import { mean, olympicMean, sampleStd } from './descriptive.ts';
import { InvalidClaimError } from './errors.ts';
import { formatNumber, formatPEquals, formatPValue } from './format-number.ts';
import { describeSelector, matchesSelector } from './groups.ts';
import { resolveMetric } from './metric.ts';
import { seedsToDecideEquivalence, seedsToDecideOrder } from './seeds-to-decide.ts';
import { tostTest } from './tost.ts';
import type { ClaimStatistic, ClaimVerdict, ClaimedValues, GroupMeasurement, RunRecord, VerdictKind } from './types.ts';
import { welchTest } from './welch.ts';

/** Relative slack on tolerance bounds, so a mean exactly on the bound (up to float rounding) passes. */
const TOLERANCE_SLACK = 1e-9;

/** Evaluates every claim against the runs (any order; plan order is restored from `index`). */
export function evaluateClaims(claims: Claim[], runs: RunRecord[]): ClaimVerdict[] {
  const ordered = [...runs].sort((a, b) => a.index - b.index);
  return claims.map((claim) => evaluateClaim(claim, ordered));
}

/**
 * Exit code for a verdict list (design.md "Exit codes"): 1 if any claim failed, else 5 if any is
 * inconclusive, else 0 (also for an empty list: nothing to verify).
 */
export function exitCodeForVerdicts(verdicts: readonly ClaimVerdict[]): 0 | 1 | 5 {
  if (verdicts.some((v) => v.verdict === 'failed')) return 1;
  if (verdicts.some((v) => v.verdict === 'inconclusive')) return 5;
  return 0;
}

/** Evaluates one claim; `runs` should be in plan order. Throws InvalidClaimError for bad numbers. */
export function evaluateClaim(claim: Claim, runs: readonly RunRecord[]): ClaimVerdict {
  const problems = claimProblems(claim);
  if (problems.length > 0) throw new InvalidClaimError(claim.id, problems);
  switch (claim.kind) {
    case 'abs':
    case 'rel':
      return evaluateTolerance(claim, runs);
    case 'equivalence':
      return evaluateEquivalence(claim, runs);
    case 'order':
      return evaluateOrder(claim, runs);
    case 'all':
      return evaluateAll(claim, runs);
  }
}

type ClaimOf<K extends Claim['kind']> = Extract<Claim, { kind: K }>;

interface VerdictParts {
  claimed: ClaimedValues;
  groups: GroupMeasurement[];
  statistic: ClaimStatistic | null;
  decisionRule: string;
  why: string;
  subVerdicts?: ClaimVerdict[];
  runIds?: string[];
}

function makeVerdict(
  claim: Claim,
  verdict: VerdictKind,
  parts: VerdictParts,
  seedsToDecide: number | null = null,
): ClaimVerdict {
  const common = {
    claimId: claim.id,
    kind: claim.kind,
    description: claim.description,
    source: claim.source,
    metric: claim.metric,
    claimed: parts.claimed,
    groups: parts.groups,
    statistic: parts.statistic,
    decisionRule: parts.decisionRule,
    why: parts.why,
    runIds: parts.runIds ?? uniqueInOrder(parts.groups.flatMap((g) => g.runIds)),
    subVerdicts: parts.subVerdicts ?? [],
  };
  if (verdict === 'inconclusive') return { ...common, verdict, seedsToDecide };
  return { ...common, verdict };
}

function uniqueInOrder(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/** The runs a selector picks and their metric values; unusable runs go to `excluded`. */
export function measureGroup(
  role: GroupMeasurement['role'],
  selector: GroupSelector,
  metric: string,
  average: AverageKind,
  runs: readonly RunRecord[],
): GroupMeasurement {
  const runIds: string[] = [];
  const values: number[] = [];
  const excluded: GroupMeasurement['excluded'] = [];
  for (const run of runs) {
    if (!matchesSelector(run.axes, selector)) continue;
    if (run.summary.status !== 'success') {
      const reason = run.summary.abortReason ? `: ${run.summary.abortReason}` : '';
      excluded.push({ runId: run.runId, reason: `run status is '${run.summary.status}'${reason}` });
      continue;
    }
    const lookup = resolveMetric(run.summary, metric);
    if (!lookup.ok) {
      excluded.push({ runId: run.runId, reason: lookup.reason });
      continue;
    }
    runIds.push(run.runId);
    values.push(lookup.value);
  }
  const n = values.length;
  const groupMean = n >= 1 ? mean(values) : null;
  const averageValue = average === 'olympic' ? (n >= 3 ? olympicMean(values) : null) : groupMean;
  return {
    role,
    selector,
    runIds,
    values,
    n,
    mean: groupMean,
    std: n >= 2 ? sampleStd(values) : null,
    average,
    averageValue,
    excluded,
  };
}

/** "no runs matched method=rigl" or "2 matched runs were left out (...)". */
function noRunsWhy(group: GroupMeasurement, needed: number, what: string): string {
  const selector = describeSelector(group.selector);
  const excluded =
    group.excluded.length > 0
      ? `; ${group.excluded.length} matching run(s) left out: ` +
        group.excluded.map((e) => `${e.runId} (${e.reason})`).join(', ')
      : '';
  return `${what} needs at least ${needed} usable run(s) in group ${selector} but has ${group.n}${excluded}`;
}

// ---------------------------------------------------------------------------------------------
// abs / rel

function evaluateTolerance(claim: ClaimOf<'abs'> | ClaimOf<'rel'>, runs: readonly RunRecord[]): ClaimVerdict {
  const allowed = claim.kind === 'abs' ? claim.tolerance : claim.tolerance * Math.abs(claim.value);
  const claimed = {
    kind: claim.kind,
    value: claim.value,
    publishedStd: claim.publishedStd,
    tolerance: claim.tolerance,
    lower: claim.value - allowed,
    upper: claim.value + allowed,
  } satisfies ClaimedValues;
  const averageName = claim.average === 'olympic' ? 'olympic mean' : 'mean';
  const toleranceWords =
    claim.kind === 'abs'
      ? `${formatNumber(claim.tolerance)}`
      : `${formatNumber(claim.tolerance)} × |${formatNumber(claim.value)}| = ${formatNumber(allowed)}`;
  const decisionRule =
    `verified when |${averageName} − ${formatNumber(claim.value)}| ≤ ${toleranceWords}, i.e. the ${averageName} ` +
    `lies in [${formatNumber(claimed.lower)}, ${formatNumber(claimed.upper)}]; failed otherwise`;
  const group = measureGroup('group', claim.group, claim.metric, claim.average, runs);
  const needed = claim.average === 'olympic' ? 3 : 1;
  if (group.averageValue === null) {
    return makeVerdict(
      claim,
      'inconclusive',
      { claimed, groups: [group], statistic: null, decisionRule, why: noRunsWhy(group, needed, `the ${averageName}`) },
      needed,
    );
  }
  const measured = group.averageValue;
  const difference = measured - claim.value;
  const slack = TOLERANCE_SLACK * Math.max(1, Math.abs(claim.value), Math.abs(measured));
  const within = Math.abs(difference) <= allowed + slack;
  const why =
    `${averageName} ${formatNumber(measured)} over ${group.n} run(s) is ${formatNumber(Math.abs(difference))} from ` +
    `${formatNumber(claim.value)}, ${within ? 'within' : 'outside'} the allowed ${formatNumber(allowed)}`;
  return makeVerdict(claim, within ? 'verified' : 'failed', {
    claimed,
    groups: [group],
    statistic: { kind: 'tolerance', measured, difference, allowed },
    decisionRule,
    why,
  });
}

// ---------------------------------------------------------------------------------------------
// equivalence (TOST)

function evaluateEquivalence(claim: ClaimOf<'equivalence'>, runs: readonly RunRecord[]): ClaimVerdict {
  const { value, margin, alpha } = claim;
  const claimed: ClaimedValues = { kind: 'equivalence', value, publishedStd: claim.publishedStd, margin, alpha };
  const level = `${formatNumber(100 * (1 - 2 * alpha))} %`;
  const decisionRule =
    `two one-sided t-tests at α = ${formatNumber(alpha)} against ${formatNumber(value)} ± ${formatNumber(margin)}: ` +
    `verified when both reject (the ${level} interval of mean − ${formatNumber(value)} lies inside ` +
    `(−${formatNumber(margin)}, +${formatNumber(margin)})); failed when that interval lies wholly outside ` +
    `[−${formatNumber(margin)}, +${formatNumber(margin)}]; inconclusive otherwise`;
  const group = measureGroup('group', claim.group, claim.metric, 'mean', runs);
  if (group.n < 2) {
    // With one run the variance is unknown; the published std, when there is one, stands in for it.
    let seeds: number | null = null;
    let how = '';
    if (group.mean !== null && claim.publishedStd !== null) {
      seeds = seedsToDecideEquivalence(group.mean - value, claim.publishedStd, margin, alpha);
      how = ` (seeds to decide estimated with the published std ${formatNumber(claim.publishedStd)})`;
    }
    return makeVerdict(
      claim,
      'inconclusive',
      { claimed, groups: [group], statistic: null, decisionRule, why: noRunsWhy(group, 2, 'TOST') + how },
      seeds,
    );
  }
  const result = tostTest(group.values, value, margin, alpha);
  const statistic: ClaimStatistic = { kind: 'tost', margin, alpha, ...result };
  const parts = { claimed, groups: [group], statistic, decisionRule };
  const interval =
    `${level} interval of mean − ${formatNumber(value)} is [${formatNumber(result.ci.lower)}, ` +
    `${formatNumber(result.ci.upper)}]`;
  if (result.pLower < alpha && result.pUpper < alpha) {
    const why = `both one-sided tests reject (${formatPEquals(result.p)} < ${formatNumber(alpha)}): the ${interval}, inside ±${formatNumber(margin)}`;
    return makeVerdict(claim, 'verified', { ...parts, why });
  }
  if (result.ci.lower > margin || result.ci.upper < -margin) {
    const why = `the ${interval}, wholly outside ±${formatNumber(margin)}`;
    return makeVerdict(claim, 'failed', { ...parts, why });
  }
  const seeds = seedsToDecideEquivalence(result.meanDifference, group.std ?? 0, margin, alpha);
  const why =
    `undecided: TOST ${formatPEquals(result.p)} ≥ ${formatNumber(alpha)} and the ${interval}, overlapping ` +
    `±${formatNumber(margin)}` +
    (seeds === null ? '; the mean sits on the margin, so no number of seeds decides it' : `; about ${seeds} seeds would decide it at the observed mean and std`);
  return makeVerdict(claim, 'inconclusive', { ...parts, why }, seeds);
}

// ---------------------------------------------------------------------------------------------
// order (Welch)

function evaluateOrder(claim: ClaimOf<'order'>, runs: readonly RunRecord[]): ClaimVerdict {
  const { alpha, direction } = claim;
  const claimed: ClaimedValues = { kind: 'order', direction, alpha };
  const relation = direction === 'higher' ? '>' : '<';
  const opposite = direction === 'higher' ? '<' : '>';
  const betterWords = describeSelector(claim.better);
  const worseWords = describeSelector(claim.worse);
  const decisionRule =
    `Welch's one-sided t-test at α = ${formatNumber(alpha)}: verified when mean(${betterWords}) ${relation} ` +
    `mean(${worseWords}) with p < ${formatNumber(alpha)}; failed when the opposite one-sided test ` +
    `(${opposite}) has p < ${formatNumber(alpha)}; inconclusive otherwise`;
  const better = measureGroup('better', claim.better, claim.metric, 'mean', runs);
  const worse = measureGroup('worse', claim.worse, claim.metric, 'mean', runs);
  const groups = [better, worse];
  const shared = better.runIds.filter((id) => worse.runIds.includes(id));
  if (shared.length > 0) {
    const why = `the two groups share run(s) ${shared.join(', ')}; Welch's test needs independent groups`;
    return makeVerdict(claim, 'inconclusive', { claimed, groups, statistic: null, decisionRule, why }, null);
  }
  if (better.n < 2 || worse.n < 2) {
    const short = better.n < 2 ? better : worse;
    let seeds: number | null = null;
    let how = '';
    if (better.mean !== null && worse.mean !== null && (better.std !== null || worse.std !== null)) {
      // One group's std stands in for the other's unknown one.
      const stdBetter = better.std ?? (worse.std as number);
      const stdWorse = worse.std ?? (better.std as number);
      seeds = seedsToDecideOrder(better.mean - worse.mean, stdBetter, stdWorse, alpha);
      how = ' (seeds to decide estimated with the known group std for both groups)';
    }
    const why = noRunsWhy(short, 2, "Welch's t-test") + how;
    return makeVerdict(claim, 'inconclusive', { claimed, groups, statistic: null, decisionRule, why }, seeds);
  }
  const result = welchTest(better.values, worse.values, alpha);
  const pClaimed = direction === 'higher' ? result.pGreater : result.pLess;
  const pOpposite = direction === 'higher' ? result.pLess : result.pGreater;
  const statistic: ClaimStatistic = {
    kind: 'welch',
    meanDifference: result.meanDifference,
    standardError: result.standardError,
    t: result.t,
    df: result.df,
    pClaimed,
    pOpposite,
    alpha,
    ci: result.ci,
  };
  const parts = { claimed, groups, statistic, decisionRule };
  const numbers =
    `mean difference ${formatNumber(result.meanDifference)} (${formatNumber(better.mean as number)} vs ` +
    `${formatNumber(worse.mean as number)}), t = ${formatNumber(result.t)}, df = ${formatNumber(result.df)}`;
  if (pClaimed < alpha) {
    return makeVerdict(claim, 'verified', {
      ...parts,
      why: `${numbers}: ${formatPEquals(pClaimed)} < ${formatNumber(alpha)} in the claimed direction (${relation})`,
    });
  }
  if (pOpposite < alpha) {
    return makeVerdict(claim, 'failed', {
      ...parts,
      why: `${numbers}: the opposite holds (${opposite}), ${formatPEquals(pOpposite)} < ${formatNumber(alpha)}`,
    });
  }
  const seeds = seedsToDecideOrder(result.meanDifference, better.std as number, worse.std as number, alpha);
  const why =
    `undecided: ${numbers}, one-sided p = ${formatPValue(pClaimed)} (claimed) and ${formatPValue(pOpposite)} ` +
    `(opposite), both ≥ ${formatNumber(alpha)}` +
    (seeds === null
      ? '; the means are equal, so no number of seeds decides it'
      : `; about ${seeds} seeds per group would decide it at the observed means and stds`);
  return makeVerdict(claim, 'inconclusive', { ...parts, why }, seeds);
}

// ---------------------------------------------------------------------------------------------
// all

function evaluateAll(claim: ClaimOf<'all'>, runs: readonly RunRecord[]): ClaimVerdict {
  const subVerdicts = claim.claims.map((sub) => evaluateClaim(sub, runs));
  const count = (kind: VerdictKind) => subVerdicts.filter((v) => v.verdict === kind).length;
  const statistic: ClaimStatistic = {
    kind: 'all',
    verified: count('verified'),
    failed: count('failed'),
    inconclusive: count('inconclusive'),
  };
  const parts = {
    claimed: { kind: 'all' } as ClaimedValues,
    groups: [],
    statistic,
    decisionRule:
      'verified when every sub-claim is verified; failed when any sub-claim failed; inconclusive otherwise',
    subVerdicts,
    runIds: uniqueInOrder(subVerdicts.flatMap((v) => v.runIds)),
  };
  const ids = (kind: VerdictKind) =>
    subVerdicts
      .filter((v) => v.verdict === kind)
      .map((v) => v.claimId)
      .join(', ');
  if (statistic.failed > 0) {
    return makeVerdict(claim, 'failed', { ...parts, why: `sub-claim(s) failed: ${ids('failed')}` });
  }
  if (statistic.inconclusive > 0) {
    const undecided = subVerdicts.filter((v) => v.verdict === 'inconclusive');
    const seeds = undecided.map((v) => (v.verdict === 'inconclusive' ? v.seedsToDecide : null));
    const seedsToDecide = seeds.every((s): s is number => s !== null) ? Math.max(...seeds) : null;
    return makeVerdict(
      claim,
      'inconclusive',
      { ...parts, why: `sub-claim(s) undecided: ${ids('inconclusive')}; none failed` },
      seedsToDecide,
    );
  }
  return makeVerdict(claim, 'verified', { ...parts, why: `all ${subVerdicts.length} sub-claims verified` });
}
