import { describe, expect, it } from 'vitest';
import { axisValueMatches, describeSelector, matchesSelector } from './groups.ts';

describe('matchesSelector', () => {
  const rigl = { method: 'rigl', distribution: 'erk', sparsity: 0.9, seed: 1 };
  const dense = { method: 'dense', sparsity: 0, seed: 1 };

  it('requires every selector axis to match', () => {
    expect(matchesSelector(rigl, { method: 'rigl', sparsity: 0.9 })).toBe(true);
    expect(matchesSelector(rigl, { method: 'rigl', sparsity: 0.8 })).toBe(false);
    expect(matchesSelector(rigl, {})).toBe(true);
  });

  it('compares numbers as numbers (0.9 = 0.90 = "0.90") and strings exactly', () => {
    expect(axisValueMatches(0.9, '0.90')).toBe(true);
    expect(axisValueMatches('0.9', 0.9)).toBe(true);
    expect(axisValueMatches(1, '1e0')).toBe(true);
    expect(axisValueMatches(0, '')).toBe(false);
    expect(axisValueMatches('rigl', 'RigL')).toBe(false);
    expect(axisValueMatches('0.9', '0.90')).toBe(false); // both strings: exact
  });

  it('a run without the axis does not match a filter on it', () => {
    expect(matchesSelector(dense, { distribution: 'erk' })).toBe(false);
    expect(matchesSelector({ method: 'dense', toString: 'x' } as Record<string, string>, { constructor: 'x' })).toBe(false);
  });

  it('describes a selector', () => {
    expect(describeSelector({ method: 'rigl', sparsity: 0.9 })).toBe('method=rigl, sparsity=0.9');
    expect(describeSelector({})).toBe('(all runs)');
  });
});
