import { describe, expect, it } from 'vitest';
import { indicesWhere, selectByScore, selectSmallestAcross } from './selection.ts';

describe('selectByScore', () => {
  const scores = [0.5, 0.1, 0.3, 0.1, 0.9, 0.3];
  const all = [0, 1, 2, 3, 4, 5];

  it('smallest: ties go to the lower index', () => {
    expect([...selectByScore(all, scores, 1, 'smallest')]).toEqual([1]);
    expect([...selectByScore(all, scores, 3, 'smallest')]).toEqual([1, 2, 3]);
  });

  it('largest: ties go to the lower index', () => {
    expect([...selectByScore(all, scores, 2, 'largest')]).toEqual([0, 4]);
    expect([...selectByScore(all, scores, 3, 'largest')]).toEqual([0, 2, 4]);
  });

  it('only among the candidates, result ascending', () => {
    expect([...selectByScore([5, 3, 1], scores, 2, 'smallest')]).toEqual([1, 3]);
  });

  it('NaN scores are taken last both ways', () => {
    const s = [NaN, 1, 2];
    expect([...selectByScore([0, 1, 2], s, 1, 'smallest')]).toEqual([1]);
    expect([...selectByScore([0, 1, 2], s, 1, 'largest')]).toEqual([2]);
    expect([...selectByScore([0, 1, 2], s, 3, 'largest')]).toEqual([0, 1, 2]);
  });

  it('k out of range names the bound', () => {
    expect(() => selectByScore(all, scores, 7, 'smallest')).toThrow(/'k' .* must be an integer in \[0, 6\] but got 7/);
  });
});

describe('selectSmallestAcross', () => {
  it('one threshold over groups; ties by (group, index)', () => {
    const a = { candidates: [0, 1, 2], scores: [0.2, 0.05, 0.7] };
    const b = { candidates: [0, 2], scores: [0.05, 9, 0.2] };
    const [ra, rb] = selectSmallestAcross([a, b], 3);
    // 0.05 (a1), 0.05 (b0), then 0.2 tie between a0 and b2 → group a first
    expect([...ra!]).toEqual([0, 1]);
    expect([...rb!]).toEqual([0]);
  });
});

describe('indicesWhere', () => {
  it('lists the indices holding the value', () => {
    expect([...indicesWhere(Uint8Array.from([1, 0, 1, 1]), 1)]).toEqual([0, 2, 3]);
    expect([...indicesWhere(Uint8Array.from([1, 0, 1, 1]), 0)]).toEqual([1]);
  });
});

describe('selection agrees with a plain sort by (score, index)', () => {
  it('on 200 random cases with heavy ties, NaNs and ±0', async () => {
    const { keyedRandom } = await import('../random.ts');
    const r = keyedRandom(11, 'selection-test');
    for (let c = 0; c < 200; c++) {
      const n = 1 + r.nextInt(60);
      const scores = Array.from({ length: n }, () => {
        const u = r.nextInt(10);
        return u === 0 ? NaN : u === 1 ? -0 : (r.nextInt(5) - 2) / 2;
      });
      const candidates = [...r.permutation(n)].slice(0, 1 + r.nextInt(n));
      const k = r.nextInt(candidates.length + 1);
      for (const order of ['smallest', 'largest'] as const) {
        const key = (i: number) => {
          const s = scores[i]!;
          return Number.isNaN(s) ? Infinity : order === 'smallest' ? s : -s;
        };
        const expected = [...candidates]
          .sort((a, b) => (key(a) === key(b) ? (Number.isNaN(scores[a]!) === Number.isNaN(scores[b]!) ? a - b : Number.isNaN(scores[a]!) ? 1 : -1) : key(a) - key(b)))
          .slice(0, k)
          .sort((a, b) => a - b);
        expect([...selectByScore(candidates, scores, k, order)], `case ${c} ${order}`).toEqual(expected);
      }
    }
  });
});
