import { describe, expect, it } from 'vitest';
import { welchSatterthwaiteDf, welchTest } from './welch.ts';

describe('welchTest', () => {
  it('matches a hand computation: A = [1, 2, 3, 4], B = [2, 4, 6]', () => {
    // x̄_A = 2.5, s_A² = (2.25 + 0.25 + 0.25 + 2.25)/3 = 5/3, s_A²/n_A = 5/12.
    // x̄_B = 4,   s_B² = (4 + 0 + 4)/2 = 4,                  s_B²/n_B = 4/3.
    // SE² = 5/12 + 4/3 = 21/12 = 7/4, SE = √1.75 = 1.3228756555...
    // t = (2.5 − 4)/√1.75 = −1.1338934190...
    // ν = (7/4)² / ((5/12)²/3 + (4/3)²/2) = (49/16) / (25/432 + 384/432) = (49/16)(432/409)
    //   = 1323/409 = 3.2347188264...
    const result = welchTest([1, 2, 3, 4], [2, 4, 6], 0.05);
    expect(result.meanDifference).toBe(-1.5);
    expect(result.standardError).toBeCloseTo(Math.sqrt(1.75), 14);
    expect(result.t).toBeCloseTo(-1.5 / Math.sqrt(1.75), 13);
    expect(result.df).toBeCloseTo(1323 / 409, 13);
    // One-sided p for A > B (scipy 1.17 ttest_ind(equal_var=False, alternative='greater')).
    expect(result.pGreater).toBeCloseTo(0.8330881499612495, 10);
    expect(result.pLess).toBeCloseTo(1 - 0.8330881499612495, 10);
    // 90 % interval: −1.5 ± t_{0.95, 1323/409} · √1.75, t_{0.95,ν} = 2.2853520671608902 (scipy).
    expect(result.ci.level).toBeCloseTo(0.9, 14);
    expect(result.ci.lower).toBeCloseTo(-1.5 - 2.2853520671608902 * Math.sqrt(1.75), 9);
    expect(result.ci.upper).toBeCloseTo(-1.5 + 2.2853520671608902 * Math.sqrt(1.75), 9);
  });

  it('reduces to ν = 2(n − 1) with equal n and variances: [90.0, 90.2, 90.1] vs [91.0, 91.2, 91.1]', () => {
    // Each s² = 0.01; SE = √(0.01/3 · 2) = 0.0816496...; t = −1/SE = −12.2474487...; ν = 4.
    const result = welchTest([90.0, 90.2, 90.1], [91.0, 91.2, 91.1], 0.05);
    expect(result.t).toBeCloseTo(-1 / Math.sqrt(0.02 / 3), 9);
    expect(result.df).toBeCloseTo(4, 9);
    // scipy 1.17: p = 0.0001276083747209705 for alternative='less'.
    expect(result.pLess).toBeCloseTo(0.0001276083747209705, 12);
  });

  it('gives infinite t and p ∈ {0, 1} when both samples are constant', () => {
    const result = welchTest([2, 2], [1, 1, 1], 0.05);
    expect(result.t).toBe(Infinity);
    expect(result.pGreater).toBe(0);
    expect(result.pLess).toBe(1);
    expect(welchTest([1, 1], [1, 1], 0.05).pGreater).toBe(0.5);
  });

  it('welchSatterthwaiteDf takes variances of the means', () => {
    expect(welchSatterthwaiteDf(5 / 12, 4, 4 / 3, 3)).toBeCloseTo(1323 / 409, 13);
  });

  it('rejects samples under 2 values and alpha outside (0, 0.5)', () => {
    expect(() => welchTest([1], [1, 2], 0.05)).toThrow(/each sample needs at least 2 values but got 1 and 2/);
    expect(() => welchTest([1, 2], [1, 2], 0.5)).toThrow(/'alpha' must be in \(0, 0.5\) but got 0.5/);
  });
});
