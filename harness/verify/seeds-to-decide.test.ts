import { describe, expect, it } from 'vitest';
import { studentTQuantile } from './student-t.ts';
import { seedsToDecideEquivalence, seedsToDecideOrder } from './seeds-to-decide.ts';

describe('seedsToDecideOrder', () => {
  it('finds the smallest n by hand: d = 0.2, s_A = s_B = 0.4, α = 0.05', () => {
    // t(n) = 0.2/√(0.32/n) = 0.353553·√n; ν(n) = 2(n − 1). Table: n = 22: 1.6583 < t_{0.95,42} =
    // 1.6820 (no); n = 23: 1.6956 > t_{0.95,44} = 1.6802 (yes). So 23 seeds per group.
    expect(seedsToDecideOrder(0.2, 0.4, 0.4, 0.05)).toBe(23);
    const t = (n: number) => 0.2 / Math.sqrt(0.32 / n);
    expect(t(22)).toBeLessThan(studentTQuantile(0.95, 42));
    expect(t(23)).toBeGreaterThan(studentTQuantile(0.95, 44));
    // The sign of the effect does not matter (deciding includes failing).
    expect(seedsToDecideOrder(-0.2, 0.4, 0.4, 0.05)).toBe(23);
  });

  it('grows like 1/effect²', () => {
    const n1 = seedsToDecideOrder(0.1, 1, 1, 0.05) as number;
    const n2 = seedsToDecideOrder(0.05, 1, 1, 0.05) as number;
    expect(n2 / n1).toBeGreaterThan(3.8);
    expect(n2 / n1).toBeLessThan(4.2);
  });

  it('is null for zero effect and 2 for zero variance', () => {
    expect(seedsToDecideOrder(0, 1, 1, 0.05)).toBeNull();
    expect(seedsToDecideOrder(0.3, 0, 0, 0.05)).toBe(2);
  });
});

describe('seedsToDecideEquivalence', () => {
  it('finds the smallest n by hand: d = 0.1, margin 0.25, s = √0.025', () => {
    // Distance to margin 0.15. n = 5: 0.15·√5/0.158114 = 2.1213 < t_{0.95,4} = 2.1318 (no);
    // n = 6: 0.15·√6/0.158114 = 2.3238 > t_{0.95,5} = 2.0150 (yes).
    expect(seedsToDecideEquivalence(0.1, Math.sqrt(0.025), 0.25, 0.05)).toBe(6);
  });

  it('counts seeds to fail too (mean outside the margin)', () => {
    // Distance 0.05 from the margin, s = 0.1: n with 0.05√n/0.1 > t_{0.95,n−1}: n = 13 → 1.8028 >
    // t_{0.95,12} = 1.7823; n = 12 → 1.7321 < t_{0.95,11} = 1.7959.
    expect(seedsToDecideEquivalence(0.3, 0.1, 0.25, 0.05)).toBe(13);
  });

  it('is null when the mean is exactly on the margin', () => {
    expect(seedsToDecideEquivalence(0.25, 0.1, 0.25, 0.05)).toBeNull();
  });
});
