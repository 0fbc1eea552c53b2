import { describe, expect, it } from 'vitest';
import { syntheticRun } from '../verify/testing/synthetic-runs.ts';
import { configurationAxisNames, groupConfigurations, measuredSparsity } from './configurations.ts';

describe('groupConfigurations', () => {
  const runs = [
    syntheticRun({ index: 3, axes: { method: 'rigl', sparsity: 0.9, seed: 1 }, testAccuracy: 91.2, trainMultiplier: 0.2 }),
    syntheticRun({ index: 0, axes: { method: 'dense', seed: 0 }, testAccuracy: 98 }),
    syntheticRun({ index: 2, axes: { method: 'rigl', sparsity: 0.9, seed: 0 }, testAccuracy: 91.0, trainMultiplier: 0.1 }),
    syntheticRun({ index: 4, axes: { method: 'rigl', sparsity: 0.9, seed: 2 }, testAccuracy: 5, status: 'aborted' }),
    syntheticRun({ index: 1, axes: { method: 'dense', seed: 1 }, testAccuracy: 97 }),
  ];

  it('groups by every axis except seed, in plan order of first run', () => {
    const rows = groupConfigurations(runs);
    expect(rows.map((r) => r.axes)).toEqual([{ method: 'dense' }, { method: 'rigl', sparsity: 0.9 }]);
    expect(rows[1]?.runIds).toEqual([runs[2]?.runId, runs[0]?.runId, runs[3]?.runId]);
  });

  it('computes mean ± sample std over successful seeds only, listing aborted runs', () => {
    const [dense, rigl] = groupConfigurations(runs);
    // dense: [98, 97] → mean 97.5, std √(((0.5)² + (0.5)²)/1) = √0.5.
    expect(dense?.testAccuracy).toEqual({ n: 2, mean: 97.5, std: Math.sqrt(0.5) });
    // rigl: the aborted seed (5 %) is left out: [91.0, 91.2] → 91.1 ± √0.02.
    expect(rigl?.testAccuracy.n).toBe(2);
    expect(rigl?.testAccuracy.mean).toBeCloseTo(91.1, 12);
    expect(rigl?.testAccuracy.std).toBeCloseTo(Math.sqrt(0.02), 12);
    expect(rigl?.trainMultiplier.mean).toBeCloseTo(0.15, 12);
    expect(rigl?.abortedRunIds).toEqual([runs[3]?.runId]);
  });

  it('measured sparsity is 1 − Σ active / Σ size', () => {
    // Synthetic layers: 235200 and 30000 weights at density 0.1, 1000 dense: active 23520 + 3000 + 1000.
    const run = runs[2];
    expect(run && measuredSparsity(run)).toBeCloseTo(1 - (23520 + 3000 + 1000) / (235200 + 30000 + 1000), 12);
  });

  it('orders axis names: method, distribution, sparsity, then the rest sorted', () => {
    const rows = groupConfigurations([
      syntheticRun({ index: 0, axes: { width: 2, sparsity: 0.5, zeta: 'a', method: 'set', distribution: 'erk' }, testAccuracy: 1 }),
    ]);
    expect(configurationAxisNames(rows)).toEqual(['method', 'distribution', 'sparsity', 'width', 'zeta']);
  });
});
