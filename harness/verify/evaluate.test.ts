import { describe, expect, it } from 'vitest';
import type { Claim, ClaimSource } from '../manifest/types.ts';
import { InvalidClaimError } from './errors.ts';
import { evaluateClaims, exitCodeForVerdicts } from './evaluate.ts';
import { syntheticRun } from './testing/synthetic-runs.ts';
import type { ClaimVerdict, RunRecord } from './types.ts';

const SOURCE: ClaimSource = { paper: 'Test paper', table: 'Table 2', row: 'RigL (ERK)', column: '0.9' };

/** Runs of one configuration, one per accuracy, seeds 0, 1, 2 ... */
function group(
  startIndex: number,
  axes: Record<string, string | number>,
  accuracies: number[],
  extra: { trainMultiplier?: number } = {},
): RunRecord[] {
  return accuracies.map((testAccuracy, seed) =>
    syntheticRun({ index: startIndex + seed, axes: { ...axes, seed }, testAccuracy, ...extra }),
  );
}

function only(verdicts: ClaimVerdict[]): ClaimVerdict {
  expect(verdicts).toHaveLength(1);
  return verdicts[0] as ClaimVerdict;
}

const RIGL = { method: 'rigl', distribution: 'erk', sparsity: 0.9 };
const SET = { method: 'set', distribution: 'erk', sparsity: 0.9 };

describe('abs and rel claims', () => {
  const runs = group(0, RIGL, [92.3, 92.4, 92.5]);
  const abs = (value: number, tolerance: number, average: 'mean' | 'olympic' = 'mean'): Claim => ({
    id: 'B2',
    description: 'RigL ERK 0.9 reproduces',
    source: SOURCE,
    metric: 'testAccuracy',
    kind: 'abs',
    group: { method: 'rigl', sparsity: 0.9 },
    value,
    publishedStd: 0.06,
    tolerance,
    average,
  });

  it('verifies a mean within the tolerance, including exactly on the bound', () => {
    // mean 92.4; |92.4 − 92.7| = 0.3 ≤ 0.3 (float rounding of 92.4 − 92.7 must not fail it).
    const v = only(evaluateClaims([abs(92.7, 0.3)], runs));
    expect(v.verdict).toBe('verified');
    expect(v.statistic).toMatchObject({ kind: 'tolerance', allowed: 0.3 });
    expect(v.groups[0]?.mean).toBeCloseTo(92.4, 12);
    expect(v.groups[0]?.std).toBeCloseTo(0.1, 12);
    expect(v.groups[0]?.n).toBe(3);
    expect(v.runIds).toEqual(runs.map((r) => r.runId));
    expect(v.claimed).toMatchObject({ kind: 'abs', lower: 92.4, upper: 93 });
  });

  it('fails a mean outside the tolerance', () => {
    const v = only(evaluateClaims([abs(92.8, 0.3)], runs));
    expect(v.verdict).toBe('failed');
    expect(v.why).toMatch(/outside the allowed 0.3/);
  });

  it('rel: tolerance is a fraction of |value|', () => {
    // allowed = 0.004 · 92.0 = 0.368 ≥ |92.4 − 92.0| = 0.4? No: 0.4 > 0.368 → failed; 0.005 → 0.46 → verified.
    const rel = (tolerance: number): Claim => ({ ...(abs(92.0, 0) as Claim & { kind: 'abs' }), kind: 'rel', tolerance });
    expect(only(evaluateClaims([rel(0.004)], runs)).verdict).toBe('failed');
    const v = only(evaluateClaims([rel(0.005)], runs));
    expect(v.verdict).toBe('verified');
    expect(v.statistic).toMatchObject({ kind: 'tolerance' });
    if (v.statistic?.kind === 'tolerance') expect(v.statistic.allowed).toBeCloseTo(0.46, 12);
  });

  it('olympic mean drops one best and one worst seed', () => {
    // Seeds [92.0, 60.0, 92.2, 92.4, 99.0]: mean 87.12 fails ±0.5 around 92.2; olympic mean
    // mean(92.0, 92.2, 92.4) = 92.2 verifies.
    const outlier = group(0, RIGL, [92.0, 60.0, 92.2, 92.4, 99.0]);
    expect(only(evaluateClaims([abs(92.2, 0.5, 'mean')], outlier)).verdict).toBe('failed');
    const v = only(evaluateClaims([abs(92.2, 0.5, 'olympic')], outlier));
    expect(v.verdict).toBe('verified');
    expect(v.groups[0]?.averageValue).toBeCloseTo(92.2, 12);
  });

  it('is inconclusive with why when there are no runs, or < 3 for an olympic mean', () => {
    const none = only(evaluateClaims([abs(92.2, 0.5)], []));
    expect(none).toMatchObject({ verdict: 'inconclusive', seedsToDecide: 1 });
    expect(none.why).toMatch(/needs at least 1 usable run\(s\) in group method=rigl, sparsity=0.9 but has 0/);
    const two = only(evaluateClaims([abs(92.2, 0.5, 'olympic')], runs.slice(0, 2)));
    expect(two).toMatchObject({ verdict: 'inconclusive', seedsToDecide: 3 });
  });

  it('leaves out aborted runs and runs without the metric, saying why', () => {
    const aborted = syntheticRun({ index: 9, axes: { ...RIGL, seed: 9 }, testAccuracy: 10, status: 'aborted' });
    const v = only(evaluateClaims([abs(92.7, 0.3)], [...runs, aborted]));
    expect(v.verdict).toBe('verified');
    expect(v.groups[0]?.excluded).toEqual([
      { runId: aborted.runId, reason: expect.stringMatching(/run status is 'aborted': TrainingDivergedError/) },
    ]);
    const missing = only(evaluateClaims([{ ...abs(92.7, 0.3), metric: 'flops.nope' }], runs));
    expect(missing.verdict).toBe('inconclusive');
    expect(missing.why).toMatch(/summary.flops.nope is nothing, not a finite number/);
  });
});

describe('order claims (Welch, one-sided)', () => {
  const order = (direction: 'higher' | 'lower' = 'higher', metric = 'testAccuracy'): Claim => ({
    id: 'H2',
    description: 'RigL beats SET',
    source: SOURCE,
    metric,
    kind: 'order',
    better: { method: 'rigl' },
    worse: { method: 'set' },
    direction,
    alpha: 0.05,
  });

  it('verifies when the claimed direction is significant', () => {
    // RigL [91.0, 91.2, 91.1] vs SET [90.0, 90.2, 90.1]: t = 12.247, ν = 4, p = 1.276e-4.
    const runs = [...group(0, RIGL, [91.0, 91.2, 91.1]), ...group(3, SET, [90.0, 90.2, 90.1])];
    const v = only(evaluateClaims([order()], runs));
    expect(v.verdict).toBe('verified');
    expect(v.statistic?.kind).toBe('welch');
    if (v.statistic?.kind === 'welch') {
      expect(v.statistic.t).toBeCloseTo(12.247448713915716, 9);
      expect(v.statistic.df).toBeCloseTo(4, 9);
      expect(v.statistic.pClaimed).toBeCloseTo(0.0001276083747209705, 12);
    }
    expect(v.runIds).toEqual(runs.map((r) => r.runId));
    expect(v.groups.map((g) => g.role)).toEqual(['better', 'worse']);
  });

  it('fails when the opposite direction is significant', () => {
    const runs = [...group(0, RIGL, [90.0, 90.2, 90.1]), ...group(3, SET, [91.0, 91.2, 91.1])];
    const v = only(evaluateClaims([order()], runs));
    expect(v.verdict).toBe('failed');
    expect(v.why).toMatch(/the opposite holds \(<\), p = 0.0001276/);
  });

  it('direction "lower" (costs): fewer FLOPs is better', () => {
    const runs = [
      ...group(0, RIGL, [91, 91, 91], { trainMultiplier: 0.1 }),
      ...group(3, SET, [91, 91, 91], { trainMultiplier: 0.5 }),
    ];
    // Zero variance: t = −∞, decided by the sign alone.
    expect(only(evaluateClaims([order('lower', 'flops.trainMultiplier')], runs)).verdict).toBe('verified');
    expect(only(evaluateClaims([order('higher', 'flops.trainMultiplier')], runs)).verdict).toBe('failed');
  });

  it('is inconclusive with seedsToDecide when undecided', () => {
    // RigL [91.0, 91.4, 90.6] vs SET [90.8, 91.2, 90.4]: d = 0.2, s = 0.4 each, t = 0.612, ν = 4,
    // p = 0.2867 (scipy). At d = 0.2 and s = 0.4, 23 seeds per group would decide it
    // (seeds-to-decide.test.ts works the numbers).
    const runs = [...group(0, RIGL, [91.0, 91.4, 90.6]), ...group(3, SET, [90.8, 91.2, 90.4])];
    const v = only(evaluateClaims([order()], runs));
    expect(v).toMatchObject({ verdict: 'inconclusive', seedsToDecide: 23 });
    if (v.statistic?.kind === 'welch') expect(v.statistic.pClaimed).toBeCloseTo(0.28669612691267615, 10);
    expect(v.why).toMatch(/about 23 seeds per group would decide it/);
  });

  it('is inconclusive with why when a group has fewer than 2 runs', () => {
    const runs = [...group(0, RIGL, [91.0]), ...group(3, SET, [90.8, 91.2, 90.4])];
    const v = only(evaluateClaims([order()], runs));
    expect(v.verdict).toBe('inconclusive');
    expect(v.why).toMatch(/Welch's t-test needs at least 2 usable run\(s\) in group method=rigl but has 1/);
    expect(v.statistic).toBeNull();
    // SET's std (0.4) stands in for RigL's: d = 0.2, s = 0.4 → 23.
    if (v.verdict === 'inconclusive') expect(v.seedsToDecide).toBe(23);
  });

  it('selects by axis values: numbers as numbers, a missing axis does not match', () => {
    const dense = syntheticRun({ index: 7, axes: { method: 'dense', seed: 0 }, testAccuracy: 98 });
    const runs = [...group(0, { method: 'rigl', sparsity: 0.9 }, [91, 91.2]), dense];
    const claim: Claim = { ...(order() as Claim & { kind: 'order' }), better: { method: 'rigl', sparsity: '0.90' }, worse: { distribution: 'erk' } };
    const v = only(evaluateClaims([claim], runs));
    expect(v.groups[0]?.n).toBe(2);
    expect(v.groups[1]?.n).toBe(0);
  });
});

describe('equivalence claims (TOST)', () => {
  const equivalence = (value: number, margin: number): Claim => ({
    id: 'H1',
    description: 'within the margin',
    source: SOURCE,
    metric: 'testAccuracy',
    kind: 'equivalence',
    group: { method: 'rigl' },
    value,
    publishedStd: null,
    margin,
    alpha: 0.05,
  });
  // Values [10.1, 9.9, 10.2, 9.8, 10.0]: tost.test.ts works these three cases by hand.
  const runs = group(0, RIGL, [10.1, 9.9, 10.2, 9.8, 10.0]);

  it('verifies when both one-sided tests reject', () => {
    const v = only(evaluateClaims([equivalence(9.9, 0.3)], runs));
    expect(v.verdict).toBe('verified');
    expect(v.statistic).toMatchObject({ kind: 'tost', margin: 0.3, alpha: 0.05 });
  });

  it('is inconclusive (6 seeds would decide) when one test just misses', () => {
    const v = only(evaluateClaims([equivalence(9.9, 0.25)], runs));
    expect(v).toMatchObject({ verdict: 'inconclusive', seedsToDecide: 6 });
  });

  it('fails when the interval lies wholly outside the margin', () => {
    const v = only(evaluateClaims([equivalence(9.5, 0.25)], runs));
    expect(v.verdict).toBe('failed');
    expect(v.why).toMatch(/wholly outside ±0.25/);
  });

  it('uses the published std for seedsToDecide when only one run exists', () => {
    const claim = { ...(equivalence(9.9, 0.25) as Claim & { kind: 'equivalence' }), publishedStd: Math.sqrt(0.025) };
    const v = only(evaluateClaims([claim], group(0, RIGL, [10.0])));
    expect(v).toMatchObject({ verdict: 'inconclusive', seedsToDecide: 6 });
    expect(v.why).toMatch(/published std/);
  });
});

describe('all claims', () => {
  const runs = [
    ...group(0, { method: 'snfs' }, [92.5, 92.7, 92.6], { trainMultiplier: 0.5 }),
    ...group(3, { method: 'rigl' }, [91.5, 91.7, 91.6], { trainMultiplier: 0.1 }),
  ];
  const accurate: Claim = {
    id: 'H3a', description: 'SNFS more accurate', source: SOURCE, metric: 'testAccuracy', kind: 'order',
    better: { method: 'snfs' }, worse: { method: 'rigl' }, direction: 'higher', alpha: 0.05,
  };
  const costly: Claim = { ...(accurate as Claim & { kind: 'order' }), id: 'H3b', description: 'SNFS costs more', metric: 'flops.trainMultiplier' };
  const all = (claims: Claim[]): Claim => ({ id: 'H3', description: 'H3', source: SOURCE, metric: 'testAccuracy', kind: 'all', claims });

  it('verifies when every sub-claim verifies, carrying sub-verdicts and their runs', () => {
    const v = only(evaluateClaims([all([accurate, costly])], runs));
    expect(v.verdict).toBe('verified');
    expect(v.subVerdicts.map((s) => [s.claimId, s.verdict])).toEqual([['H3a', 'verified'], ['H3b', 'verified']]);
    expect(v.runIds).toEqual(runs.map((r) => r.runId));
    expect(v.statistic).toEqual({ kind: 'all', verified: 2, failed: 0, inconclusive: 0 });
  });

  it('fails when any sub-claim fails, even if another is inconclusive', () => {
    const reversed: Claim = { ...(costly as Claim & { kind: 'order' }), id: 'H3c', direction: 'lower' };
    const undecided: Claim = { ...(accurate as Claim & { kind: 'order' }), id: 'H3d', better: { method: 'missing' } };
    const v = only(evaluateClaims([all([accurate, undecided, reversed])], runs));
    expect(v.verdict).toBe('failed');
    expect(v.why).toBe('sub-claim(s) failed: H3c');
  });

  it('is inconclusive when a sub-claim is and none failed', () => {
    const undecided: Claim = { ...(accurate as Claim & { kind: 'order' }), id: 'H3d', better: { method: 'missing' } };
    const v = only(evaluateClaims([all([accurate, undecided])], runs));
    expect(v.verdict).toBe('inconclusive');
  });
});

describe('exitCodeForVerdicts and invalid claims', () => {
  const verdict = (kind: 'verified' | 'failed' | 'inconclusive') => ({ verdict: kind }) as ClaimVerdict;

  it('1 over 5 over 0; empty is 0', () => {
    expect(exitCodeForVerdicts([])).toBe(0);
    expect(exitCodeForVerdicts([verdict('verified')])).toBe(0);
    expect(exitCodeForVerdicts([verdict('verified'), verdict('inconclusive')])).toBe(5);
    expect(exitCodeForVerdicts([verdict('inconclusive'), verdict('failed'), verdict('verified')])).toBe(1);
  });

  it('throws InvalidClaimError (exit 2) naming the claim, the pointer and the value', () => {
    const bad: Claim = {
      id: 'X', description: '', source: SOURCE, metric: 'testAccuracy', kind: 'order',
      better: {}, worse: {}, direction: 'higher', alpha: 0.7,
    };
    expect(() => evaluateClaims([bad], [])).toThrow(InvalidClaimError);
    expect(() => evaluateClaims([bad], [])).toThrow("claim 'X' is invalid: /alpha: expected a number in (0, 0.5), got 0.7");
  });
});
