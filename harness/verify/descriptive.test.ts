import { describe, expect, it } from 'vitest';
import { mean, olympicMean, sampleStd, sampleVariance } from './descriptive.ts';
import { StatisticsArgumentError } from './errors.ts';

describe('mean and sample std', () => {
  it('computes the n − 1 sample std by hand: [2, 4, 4, 4, 5, 5, 7, 9]', () => {
    // mean = 40/8 = 5; squared deviations 9+1+1+1+0+0+4+16 = 32; variance = 32/7; std = √(32/7).
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(values)).toBe(5);
    expect(sampleVariance(values)).toBeCloseTo(32 / 7, 14);
    expect(sampleStd(values)).toBeCloseTo(Math.sqrt(32 / 7), 14);
  });

  it('matches a paper cell: REP Table 2 style three seeds [92.3, 92.4, 92.5] → 92.4 ± 0.1', () => {
    const values = [92.3, 92.4, 92.5];
    expect(mean(values)).toBeCloseTo(92.4, 12);
    expect(sampleStd(values)).toBeCloseTo(0.1, 12);
  });

  it('stays accurate for large offsets (variance of 1e9 + [1, 2, 3] is 1)', () => {
    expect(sampleVariance([1e9 + 1, 1e9 + 2, 1e9 + 3])).toBeCloseTo(1, 9);
  });

  it('needs 1 value for a mean, 2 for a std, and finite values', () => {
    expect(() => mean([])).toThrow(StatisticsArgumentError);
    expect(() => mean([])).toThrow(/at least 1 number\(s\) but holds 0/);
    expect(() => sampleStd([3])).toThrow(/at least 2 number\(s\) but holds 1/);
    expect(() => mean([1, Number.NaN])).toThrow(/'values\[1\]' must be a finite number but is NaN/);
  });
});

describe('olympicMean', () => {
  it('drops one best and one worst value', () => {
    // [1, 5, 2, 100, 3]: drop 1 and 100 → mean(5, 2, 3) = 10/3.
    expect(olympicMean([1, 5, 2, 100, 3])).toBeCloseTo(10 / 3, 14);
    // With three values it is the median.
    expect(olympicMean([91.9, 80.1, 92.2])).toBe(91.9);
  });

  it('drops only one copy of a repeated extreme', () => {
    // [4, 4, 1, 1]: drop one 1 and one 4 → mean(1, 4) = 2.5.
    expect(olympicMean([4, 4, 1, 1])).toBe(2.5);
  });

  it('needs at least 3 values', () => {
    expect(() => olympicMean([1, 2])).toThrow(/olympicMean: 'values' must hold at least 3 number\(s\) but holds 2/);
  });
});
