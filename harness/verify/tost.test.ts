import { describe, expect, it } from 'vitest';
import { studentTQuantile } from './student-t.ts';
import { tostTest } from './tost.ts';

// Hand case: values [10.1, 9.9, 10.2, 9.8, 10.0]: mean 10.0, squared deviations
// 0.01 + 0.01 + 0.04 + 0.04 + 0 = 0.1, s² = 0.1/4 = 0.025, SE = √(0.025/5) = √0.005 = 0.0707107,
// ν = 4, t_{0.95,4} = 2.131847 (table).
const VALUES = [10.1, 9.9, 10.2, 9.8, 10.0];
const SE = Math.sqrt(0.005);

describe('tostTest', () => {
  it('claimed 9.9 ± 0.3: both one-sided tests reject', () => {
    // d = 0.1; t₁ = (0.1 + 0.3)/SE = 5.656854; t₂ = (0.1 − 0.3)/SE = −2.828427 < −2.131847.
    const r = tostTest(VALUES, 9.9, 0.3, 0.05);
    expect(r.meanDifference).toBeCloseTo(0.1, 12);
    expect(r.standardError).toBeCloseTo(SE, 14);
    expect(r.df).toBe(4);
    expect(r.tLower).toBeCloseTo(0.4 / SE, 10);
    expect(r.tUpper).toBeCloseTo(-0.2 / SE, 10);
    // scipy 1.17: t.sf(5.656854, 4) and t.cdf(−2.828427, 4).
    expect(r.pLower).toBeCloseTo(0.0024063391650220862, 12);
    expect(r.pUpper).toBeCloseTo(0.023710327792159435, 12);
    expect(r.p).toBe(r.pUpper);
    // 90 % interval 0.1 ± 2.131847 · 0.0707107 = [−0.050744, 0.250744], inside ±0.3.
    expect(r.ci.lower).toBeCloseTo(-0.050744331906232065, 9);
    expect(r.ci.upper).toBeCloseTo(0.25074433190623135, 9);
  });

  it('claimed 9.9 ± 0.25: the upper test just fails to reject (p = 0.0506)', () => {
    // t₂ = (0.1 − 0.25)/SE = −2.1213203 > −2.131847, so p₂ > 0.05; the interval's upper end
    // 0.250744 pokes out of the margin.
    const r = tostTest(VALUES, 9.9, 0.25, 0.05);
    expect(r.tUpper).toBeCloseTo(-0.15 / SE, 10);
    expect(r.pUpper).toBeCloseTo(0.05059575360914692, 12);
    expect(r.pUpper).toBeGreaterThan(0.05);
    expect(r.ci.upper).toBeGreaterThan(0.25);
  });

  it('claimed 9.5 ± 0.25: the interval lies wholly above the margin', () => {
    // d = 0.5, interval 0.5 ± 0.150744 = [0.349256, 0.650744] > 0.25.
    const r = tostTest(VALUES, 9.5, 0.25, 0.05);
    expect(r.ci.lower).toBeCloseTo(0.5 - studentTQuantile(0.95, 4) * SE, 12);
    expect(r.ci.lower).toBeCloseTo(0.3492556680937683, 9);
    expect(r.pUpper).toBeCloseTo(0.9879449447243047, 10);
  });

  it('with zero variance decides on the difference alone', () => {
    const inside = tostTest([5, 5, 5], 5.1, 0.2, 0.05);
    expect([inside.pLower, inside.pUpper]).toEqual([0, 0]);
    expect(inside.ci).toEqual({ level: 0.9, lower: inside.meanDifference, upper: inside.meanDifference });
    const outside = tostTest([5, 5, 5], 5.5, 0.2, 0.05);
    expect(outside.pUpper).toBe(0);
    expect(outside.pLower).toBe(1);
  });

  it('rejects a margin ≤ 0 and fewer than 2 values', () => {
    expect(() => tostTest(VALUES, 10, 0, 0.05)).toThrow(/'margin' must be a finite number > 0 but got 0/);
    expect(() => tostTest([1], 10, 1, 0.05)).toThrow(/needs at least 2 values but got 1/);
  });
});
