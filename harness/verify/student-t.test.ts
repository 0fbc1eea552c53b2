import { describe, expect, it } from 'vitest';
import { studentTCdf, studentTPdf, studentTQuantile, studentTSurvival } from './student-t.ts';

// Closed forms of the t CDF and quantile for small integer ν (e.g. Shaw 2006, "Sampling Student's
// T distribution", §3): exact references independent of the incomplete beta function.
const cdf1 = (t: number) => 0.5 + Math.atan(t) / Math.PI;
// Written as ∓1/tan(π·min(p, 1 − p)) so the tails do not lose digits near tan(±π/2).
const quantile1 = (p: number) => (p < 0.5 ? -1 : 1) / Math.tan(Math.PI * Math.min(p, 1 - p));
const cdf2 = (t: number) => 0.5 + t / (2 * Math.sqrt(2 + t * t));
const quantile2 = (p: number) => (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
const cdf3 = (t: number) =>
  0.5 + (t / Math.sqrt(3) / (1 + (t * t) / 3) + Math.atan(t / Math.sqrt(3))) / Math.PI;
const cdf4 = (t: number) => {
  const u = 1 + (t * t) / 4;
  return 0.5 + ((3 / 8) * t) / Math.sqrt(u) * (1 - (t * t) / (12 * u));
};
const quantile4 = (p: number) => {
  const a = 4 * p * (1 - p);
  const q = Math.cos(Math.acos(Math.sqrt(a)) / 3) / Math.sqrt(a);
  return Math.sign(p - 0.5) * 2 * Math.sqrt(q - 1);
};

const T_VALUES = [-30, -7.5, -2.1, -1, -0.3, 0, 0.25, 0.9, 1.7, 3.3, 12, 250];
const PROBABILITIES = [1e-9, 0.001, 0.025, 0.05, 0.1, 0.3, 0.5, 0.6, 0.9, 0.95, 0.975, 0.995, 0.999999];

describe('studentTCdf', () => {
  it('matches the closed forms for ν = 1, 2, 3, 4 to 1e-13', () => {
    for (const t of T_VALUES) {
      expect(studentTCdf(t, 1)).toBeCloseTo(cdf1(t), 13);
      expect(studentTCdf(t, 2)).toBeCloseTo(cdf2(t), 13);
      expect(studentTCdf(t, 3)).toBeCloseTo(cdf3(t), 13);
      expect(studentTCdf(t, 4)).toBeCloseTo(cdf4(t), 13);
    }
  });

  it('keeps far upper tails accurate in relative terms (survival, not 1 − cdf)', () => {
    // P(T > 40) at ν = 3 and P(T > 1000) at ν = 2.5 (scipy 1.17 stats.t.sf).
    expect(studentTSurvival(40, 3) / 1.7190340394579253e-5 - 1).toBeCloseTo(0, 11);
    expect(studentTSurvival(1000, 2.5) / 2.274746394830745e-8 - 1).toBeCloseTo(0, 10);
    // ν = 1: P(T > t) = atan(1/t)/π exactly.
    expect(studentTSurvival(1e6, 1) / (Math.atan(1e-6) / Math.PI) - 1).toBeCloseTo(0, 10);
  });

  it('is symmetric: F(−t) = 1 − F(t), survival(t) = F(−t)', () => {
    for (const df of [1.5, 3.2347, 30]) {
      for (const t of [0.4, 2, 5]) {
        expect(studentTCdf(-t, df)).toBeCloseTo(1 - studentTCdf(t, df), 14);
        expect(studentTSurvival(t, df)).toBeCloseTo(studentTCdf(-t, df), 14);
      }
    }
  });

  it('rejects df ≤ 0, df = ∞ and NaN t', () => {
    expect(() => studentTCdf(1, 0)).toThrow(/'df' must be a finite number > 0 but got 0/);
    expect(() => studentTCdf(1, Infinity)).toThrow(/'df'/);
    expect(() => studentTCdf(Number.NaN, 3)).toThrow(/'t' must be a number/);
  });
});

describe('studentTPdf', () => {
  it('matches the Cauchy density at ν = 1 and integrates to the CDF (finite difference)', () => {
    for (const t of [-3, 0, 0.5, 2]) expect(studentTPdf(t, 1)).toBeCloseTo(1 / (Math.PI * (1 + t * t)), 14);
    const h = 1e-5;
    for (const t of [-1.3, 0.2, 2.7]) {
      const derivative = (studentTCdf(t + h, 7.5) - studentTCdf(t - h, 7.5)) / (2 * h);
      expect(studentTPdf(t, 7.5)).toBeCloseTo(derivative, 8);
    }
  });
});

describe('studentTQuantile', () => {
  it('matches the closed forms for ν = 1, 2, 4', () => {
    for (const p of PROBABILITIES) {
      const tolerance = 1e-10 * Math.max(1, Math.abs(quantile1(p)));
      expect(Math.abs(studentTQuantile(p, 1) - quantile1(p))).toBeLessThan(tolerance);
      expect(studentTQuantile(p, 2)).toBeCloseTo(quantile2(p), 9);
      expect(studentTQuantile(p, 4)).toBeCloseTo(quantile4(p), 10);
    }
  });

  it('matches published t-table critical values (6 decimals)', () => {
    // Two-sided / one-sided critical values as printed in standard t tables (e.g. NIST/SEMATECH
    // e-Handbook §1.3.6.7.2), and to more digits by scipy 1.17 stats.t.ppf.
    const table: [p: number, df: number, t: number][] = [
      [0.95, 2, 2.919985580353724],
      [0.975, 10, 2.228138851986274],
      [0.975, 1, 12.706204736174694],
      [0.95, 1, 6.313751514675037],
      [0.99, 5, 3.3649299989072174],
      [0.995, 30, 2.7499956535672254],
      [0.95, 120, 1.6576508993552352],
      [0.9, 1000, 1.2823987214609247],
      [0.999, 4, 7.173182219782307],
    ];
    for (const [p, df, t] of table) {
      expect(studentTQuantile(p, df)).toBeCloseTo(t, 9);
    }
  });

  it('stays accurate at very large ν (approaching the normal distribution)', () => {
    // scipy 1.17 stats.t.ppf / stats.t.sf; the normal 95 % quantile is 1.6448536269514722.
    expect(studentTQuantile(0.95, 1e4)).toBeCloseTo(1.645006018069243, 10);
    expect(studentTQuantile(0.95, 1e6)).toBeCloseTo(1.6448551507220404, 10);
    expect(studentTQuantile(0.95, 1e9)).toBeCloseTo(1.6448536284752415, 10);
    expect(studentTQuantile(0.95, 1e12)).toBeCloseTo(1.6448536269514722, 10);
    // The continued fraction converges slowly at huge ν: ~1e-11 absolute, still far inside 1e-8.
    expect(studentTSurvival(3, 1e6)).toBeCloseTo(0.0013499312707109, 11);
    expect(studentTSurvival(3, 1e9)).toBeCloseTo(0.0013498980648689565, 10);
  });

  it('handles non-integer ν (Welch) and inverts the CDF', () => {
    // ν = 1323/409, the Welch df of the hand example in welch.test.ts; scipy 1.17 stats.t.ppf.
    expect(studentTQuantile(0.95, 1323 / 409)).toBeCloseTo(2.2853520671608902, 9);
    for (const df of [0.7, 2.5, 13.3]) {
      for (const p of PROBABILITIES) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12);
    }
  });

  it('returns 0 at the median and rejects p outside (0, 1)', () => {
    expect(studentTQuantile(0.5, 5)).toBe(0);
    expect(() => studentTQuantile(1, 5)).toThrow(/'p' must be in \(0, 1\) but got 1/);
    expect(() => studentTQuantile(0, 5)).toThrow(/'p'/);
  });
});
