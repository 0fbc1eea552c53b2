import { describe, expect, it } from 'vitest';
import type { ClaimVerdict } from '../verify/types.ts';
import { syntheticReportInput } from './testing/synthetic-report.ts';
import { claimedText, measuredText, orderText, seedsText, sourceText, statisticText, uniqueVerdicts } from './verdict-text.ts';

const { verdicts } = syntheticReportInput();
const byId = (id: string) => uniqueVerdicts(verdicts).find((v) => v.claimId === id) as ClaimVerdict;

describe('verdict text', () => {
  it('names the source cell', () => {
    expect(sourceText({ paper: 'P', table: 'Table 2', row: 'RigL', column: '0.9' })).toBe('P, Table 2, row RigL, column 0.9');
    expect(sourceText({ paper: 'sanity check', table: null, row: null, column: null })).toBe('sanity check');
  });

  it('order claims name only the axes that differ', () => {
    expect(orderText(byId('R1-erk-0.9'))).toBe('method: rigl > static at distribution=erk, sparsity=0.9');
    expect(orderText(byId('H6-rigl-0.8'))).toBe('distribution: erk > uniform at method=rigl, sparsity=0.8');
  });

  it('claimed, measured and statistic lines carry the numbers', () => {
    expect(claimedText(byId('B2-static-uniform-0.8'))).toBe('95, within ±0.5 %');
    // Seeds 96.9, 96.9 + 0, 96.9 + 0.15·3 → olympic = the middle value.
    expect(measuredText(byId('B2-static-uniform-0.8'))).toMatch(/^olympic 96.9; mean 97.02 ± 0.293 \(n = 3\)$/);
    expect(statisticText(byId('R1-flops'))).toMatch(/^Welch t = ∞, df = 4, p < 1e-12/);
    expect(statisticText(byId('H3'))).toBe('2 verified, 0 failed, 0 inconclusive');
  });

  it('seeds to decide: per group for order claims only', () => {
    expect(seedsText(byId('H6-rigl-0.8'))).toBe('13 seed(s) per group would decide it');
    expect(seedsText(byId('E-dense'))).toBe('4 seed(s) would decide it');
    expect(seedsText(byId('R1-erk-0.9'))).toBe('');
  });

  it('uniqueVerdicts lists a claim shared by an all claim once', () => {
    expect(uniqueVerdicts(verdicts).map((v) => v.claimId)).toEqual([
      'B2 "rigl" & <erk>', 'B2-static-uniform-0.8', 'E-dense', 'R1-erk-0.9', 'H6-rigl-0.8', 'H3', 'R1-flops',
    ]);
  });
});
