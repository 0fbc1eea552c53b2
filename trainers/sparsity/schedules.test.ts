import { describe, expect, it } from 'vitest';
import { makeCubicSparsitySchedule, makeDropFraction, makeUpdateCadence, resolveUpdateEnd } from './schedules.ts';

describe('update cadence (rigl-spec §2.1, recipes.md)', () => {
  it("'after-interval': (g+1) % ΔT == 0 && g < T_end — the fmnist recipe's 70 updates 99…6,999", () => {
    const c = makeUpdateCadence(100, 7035, 'after-interval');
    const steps = c.updateSteps();
    expect(steps).toHaveLength(70);
    expect(steps[0]).toBe(99);
    expect(steps[69]).toBe(6999);
    expect([0, 99, 100, 199, 6999, 7034, 7035, 7099].map((g) => c.isUpdateStep(g))).toEqual([
      false, true, false, true, true, false, false, false,
    ]);
  });

  it("'at-multiples': g % ΔT == 0 && g < T_end, first update at g = 0 (authors' TF code)", () => {
    const c = makeUpdateCadence(100, 7035, 'at-multiples');
    expect(c.updateSteps()).toHaveLength(71);
    expect([0, 99, 100, 7000, 7035].map((g) => c.isUpdateStep(g))).toEqual([true, false, true, true, false]);
    expect(makeUpdateCadence(100, 7000, 'at-multiples').isUpdateStep(7000)).toBe(false);
  });

  it('is frozen and validates its arguments', () => {
    const c = makeUpdateCadence(10, 100, 'after-interval');
    expect(Object.isFrozen(c)).toBe(true);
    expect(() => makeUpdateCadence(0, 100, 'after-interval')).toThrow(/'intervalSteps' must be an integer >= 1 but got 0/);
  });
});

describe('T_end', () => {
  it('fraction → floor(fraction · totalSteps): 0.75 × 9,380 = 7,035', () => {
    expect(resolveUpdateEnd({ kind: 'fraction', fraction: 0.75 }, 9380)).toBe(7035);
    expect(resolveUpdateEnd({ kind: 'fraction', fraction: 0.75 }, 1407)).toBe(1055);
    expect(resolveUpdateEnd({ kind: 'step', step: 65918 }, 88000)).toBe(65918);
    expect(() => resolveUpdateEnd({ kind: 'fraction', fraction: 1.5 }, 100)).toThrow(/\(0, 1\] but got 1.5/);
  });
});

describe('drop fraction', () => {
  it('cosine f(t) = α/2 (1 + cos(π t / T_end)): 0.3 → 0.256066 → 0.15 → 0.043934 → 0, and 0 after T_end', () => {
    const f = makeDropFraction({ kind: 'cosine', initial: 0.3 }, 1000);
    expect(f.at(0)).toBe(0.3);
    expect(f.at(250)).toBeCloseTo(0.15 * (1 + Math.SQRT1_2), 12);
    expect(f.at(250)).toBeCloseTo(0.256066, 6);
    expect(f.at(500)).toBeCloseTo(0.15, 12);
    expect(f.at(750)).toBeCloseTo(0.04393398, 8);
    expect(f.at(1000)).toBe(0);
    expect(f.at(5000)).toBe(0);
  });

  it('the recipe: f(99) = 0.15 (1 + cos(π·99/7,035)) = 0.299853', () => {
    const f = makeDropFraction({ kind: 'cosine', initial: 0.3 }, 7035);
    expect(f.at(99)).toBeCloseTo(0.2998534, 7);
    expect(f.at(6999)).toBeCloseTo(0.15 * (1 + Math.cos((Math.PI * 6999) / 7035)), 15);
  });

  it('constant until T_end, then 0', () => {
    const f = makeDropFraction({ kind: 'constant', value: 0.3 }, 100);
    expect([0, 99, 100].map((g) => f.at(g))).toEqual([0.3, 0.3, 0]);
    expect(() => makeDropFraction({ kind: 'constant', value: 1.2 }, 100)).toThrow(/'dropFraction.value' must be in \[0, 1\] but got 1.2/);
  });
});

describe('GMP cubic schedule (recipes.md: t0 = 700, T_end = 7,035, N = 266,200)', () => {
  const N = 266_200;
  const raw = (sf: number) =>
    makeCubicSparsitySchedule({ initialSparsity: 0, finalSparsity: sf, startStep: 700, endStep: 7035, lastPruningStep: null });
  const pinned = (sf: number) =>
    makeCubicSparsitySchedule({ initialSparsity: 0, finalSparsity: sf, startStep: 700, endStep: 7035, lastPruningStep: 6999 });

  it('step 700 → 0; before it 0', () => {
    expect(raw(0.9).sparsityAt(700)).toBe(0);
    expect(raw(0.9).sparsityAt(99)).toBe(0);
  });

  it('hand values: s(799) = 0.9 (1 − (6236/6335)^3) = 0.041538; s(3899) = 0.790823', () => {
    // (1 − 99/6335)^3 = 0.953846…; (1 − 3199/6335)^3 = 0.121308…
    expect(raw(0.9).sparsityAt(799)).toBeCloseTo(0.0415382, 6);
    expect(raw(0.9).sparsityAt(3899)).toBeCloseTo(0.7908231, 6);
    expect(Math.round(raw(0.9).sparsityAt(3899) * N)).toBe(210_517);
  });

  it('step 6,999 reaches s_f to the weight: round(s·266,200) = round(s_f·266,200), pinned exactly', () => {
    for (const sf of [0.9, 0.95, 0.98]) {
      expect(Math.round(raw(sf).sparsityAt(6999) * N)).toBe(Math.round(sf * N));
      expect(pinned(sf).sparsityAt(6999)).toBe(sf);
    }
    expect(Math.round(0.9 * N)).toBe(239_580);
  });

  it('is non-decreasing and s_f from T_end on', () => {
    const s = raw(0.95);
    let last = 0;
    for (let g = 0; g < 9380; g += 37) {
      const v = s.sparsityAt(g);
      expect(v).toBeGreaterThanOrEqual(last);
      last = v;
    }
    expect(s.sparsityAt(7035)).toBe(0.95);
  });
});
