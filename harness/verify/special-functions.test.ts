import { describe, expect, it } from 'vitest';
import { StatisticsArgumentError } from './errors.ts';
import { logBeta, logGamma, regularizedIncompleteBeta } from './special-functions.ts';

describe('logGamma', () => {
  it('matches factorials: Γ(n) = (n − 1)!', () => {
    let factorial = 1;
    for (let n = 1; n <= 20; n++) {
      expect(logGamma(n)).toBeCloseTo(Math.log(factorial), 12);
      factorial *= n;
    }
  });

  it('matches Γ(½) = √π and high-precision values (mpmath 1.3, 30 digits)', () => {
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(0.1)).toBeCloseTo(2.2527126517342059020062379569, 13);
    expect(logGamma(100.5)).toBeCloseTo(361.435540467777621555251912703, 10);
    // Relative accuracy is what matters at large arguments.
    expect(Math.abs(logGamma(1e6) / 12815504.569147611659976971785 - 1)).toBeLessThan(1e-14);
  });

  it('rejects x ≤ 0 with the value in the message', () => {
    expect(() => logGamma(0)).toThrow(StatisticsArgumentError);
    expect(() => logGamma(-2)).toThrow(/'x' must be a finite number > 0 but got -2/);
  });

  it('logBeta(a, b) = ln(Γ(a)Γ(b)/Γ(a+b)); B(2, 3) = 1/12', () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
  });

  it('logBeta keeps its digits when one argument is huge (mpmath 1.3, 30 digits)', () => {
    // ln B(5e8, ½): ln Γ(5e8) ≈ 9.5e9, so subtracting ln Γ values would leave ~1e-6 of error.
    expect(logBeta(5e8, 0.5)).toBeCloseTo(-9.44269438501853283630063180972, 12);
    expect(logBeta(0.5, 5e8)).toBeCloseTo(-9.44269438501853283630063180972, 12);
    expect(logBeta(150.5, 7.25)).toBeCloseTo(-29.4473850716940569890311249201, 12);
    // Both sides of the switch to Stirling's series agree with the direct sum.
    expect(logBeta(99.999, 3)).toBeCloseTo(logGamma(99.999) + logGamma(3) - logGamma(102.999), 11);
    expect(logBeta(100.001, 3)).toBeCloseTo(logGamma(100.001) + logGamma(3) - logGamma(103.001), 11);
  });
});

describe('regularizedIncompleteBeta', () => {
  it('I_x(a, 1) = x^a and I_x(1, b) = 1 − (1 − x)^b for non-integer a, b', () => {
    for (const x of [0.01, 0.2, 0.5, 0.77, 0.99]) {
      for (const p of [0.5, 1.7, 3.25, 12.5]) {
        expect(regularizedIncompleteBeta(x, p, 1)).toBeCloseTo(x ** p, 13);
        expect(regularizedIncompleteBeta(x, 1, p)).toBeCloseTo(1 - (1 - x) ** p, 13);
      }
    }
  });

  it('is symmetric: I_x(a, b) + I_{1−x}(b, a) = 1, and I_½(a, a) = ½', () => {
    for (const [x, a, b] of [[0.3, 2.5, 0.5], [0.9, 40, 3.5], [0.05, 0.7, 9]] as const) {
      expect(regularizedIncompleteBeta(x, a, b) + regularizedIncompleteBeta(1 - x, b, a)).toBeCloseTo(1, 14);
    }
    for (const a of [0.5, 3, 17.5, 200]) expect(regularizedIncompleteBeta(0.5, a, a)).toBeCloseTo(0.5, 12);
  });

  it('matches high-precision values (mpmath 1.3 betainc, regularized)', () => {
    expect(regularizedIncompleteBeta(0.3, 2.5, 0.5)).toBeCloseTo(0.0189271240719456516534522087067, 14);
    expect(regularizedIncompleteBeta(0.4, 50.5, 70.25)).toBeCloseTo(0.345770112327956645691254166143, 12);
  });

  it('returns the end points exactly and rejects arguments out of range', () => {
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expect(() => regularizedIncompleteBeta(1.5, 2, 3)).toThrow(/'x' must be in \[0, 1\] but got 1.5/);
    expect(() => regularizedIncompleteBeta(0.5, 0, 3)).toThrow(/'a' must be a finite number > 0 but got 0/);
    expect(() => regularizedIncompleteBeta(0.5, 2, -1)).toThrow(/'b' must be a finite number > 0 but got -1/);
  });
});
