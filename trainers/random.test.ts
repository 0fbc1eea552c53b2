import { describe, expect, it } from 'vitest';
import { KeyedRandom } from './random.ts';

describe('KeyedRandom', () => {
  it('gives the same stream for the same key and a different one for another key', () => {
    const a = new KeyedRandom(0, 'mask-init', 'fc1', 0);
    const b = new KeyedRandom(0, 'mask-init', 'fc1', 0);
    const c = new KeyedRandom(0, 'mask-init', 'fc2', 0);
    const sa = Array.from({ length: 8 }, () => a.nextUint32());
    const sb = Array.from({ length: 8 }, () => b.nextUint32());
    const sc = Array.from({ length: 8 }, () => c.nextUint32());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
  });

  it('does not confuse the number 1 with the string "1"', () => {
    expect(new KeyedRandom(1).nextUint32()).not.toBe(new KeyedRandom('1').nextUint32());
  });

  it('is pinned: the first draws of a fixed key never change across versions or machines', () => {
    const r = new KeyedRandom(42, 'pin');
    const first = [r.nextUint32(), r.nextUint32(), r.nextUint32()];
    // Computed once with this implementation; a change here changes every stored run's masks.
    expect(first).toMatchInlineSnapshot(`
      [
        319837205,
        1963708282,
        1033653885,
      ]
    `);
  });

  it('draws floats in [0, 1) with a plausible mean and integers without bias', () => {
    const r = new KeyedRandom(7, 'stats');
    let sum = 0;
    const counts = new Array(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i++) {
      const x = r.nextFloat();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      sum += x;
      counts[r.nextInt(6)]++;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    for (const c of counts) expect(Math.abs(c - n / 6)).toBeLessThan(4 * Math.sqrt(n / 6));
  });

  it('gives normals with mean 0 and variance 1', () => {
    const r = new KeyedRandom(3, 'normal');
    let s = 0;
    let s2 = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      const z = r.nextNormal();
      s += z;
      s2 += z * z;
    }
    expect(s / n).toBeCloseTo(0, 1);
    expect(s2 / n).toBeCloseTo(1, 1);
  });

  it('permutes and samples without repeats', () => {
    const r = new KeyedRandom(1, 'perm');
    const p = Array.from(r.permutation(100)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const s = r.sampleWithoutReplacement(1000, 300);
    expect(new Set(s).size).toBe(300);
    for (const v of s) expect(v).toBeLessThan(1000);
    expect(() => r.sampleWithoutReplacement(3, 4)).toThrow(/cannot sample 4/);
    expect(() => r.nextInt(0)).toThrow(/'n' passed to nextInt\(\) must be an integer/);
  });
});
