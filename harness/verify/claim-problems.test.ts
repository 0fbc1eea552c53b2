import { describe, expect, it } from 'vitest';
import type { Claim } from '../manifest/types.ts';
import { claimProblems } from './claim-problems.ts';

const source = { paper: 'p', table: null, row: null, column: null };

describe('claimProblems', () => {
  it('accepts a well-formed claim', () => {
    const claim: Claim = {
      id: 'a', description: '', source, metric: 'testAccuracy', kind: 'abs', group: {}, value: 90,
      publishedStd: null, tolerance: 0, average: 'mean',
    };
    expect(claimProblems(claim)).toEqual([]);
  });

  it('names each bad number with a pointer, the bound and the value, nested in all', () => {
    const claim: Claim = {
      id: 'h', description: '', source, metric: 'testAccuracy', kind: 'all',
      claims: [
        { id: 'e', description: '', source, metric: 'testAccuracy', kind: 'equivalence', group: {}, value: Number.NaN, publishedStd: -1, margin: 0, alpha: 0 },
        { id: 'r', description: '', source, metric: '', kind: 'rel', group: {}, value: 1, publishedStd: null, tolerance: -0.1, average: 'mean' },
      ],
    };
    expect(claimProblems(claim)).toEqual([
      { pointer: '/claims/0/value', message: 'expected a finite number, got NaN' },
      { pointer: '/claims/0/margin', message: 'expected a finite number > 0, got 0' },
      { pointer: '/claims/0/publishedStd', message: 'expected null or a number ≥ 0, got -1' },
      { pointer: '/claims/0/alpha', message: 'expected a number in (0, 0.5), got 0' },
      { pointer: '/claims/1/metric', message: 'expected a metric name, got ""' },
      { pointer: '/claims/1/tolerance', message: 'expected a finite number ≥ 0, got -0.1' },
    ]);
    expect(claimProblems({ ...claim, claims: [] } as Claim)).toEqual([
      { pointer: '/claims', message: 'expected at least one sub-claim, got none' },
    ]);
  });
});
