import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../trainers/run-summary.ts';
import { compareSummaries, formatExact } from './compare-summaries.ts';

function summary(overrides: { testAccuracy?: number; fc2?: number; trainMultiplier?: number; layers?: RunSummary['layers'] } = {}): RunSummary {
  return {
    metrics: { testAccuracy: overrides.testAccuracy ?? 88.47, bestTestAccuracy: 88.5, finalTrainLoss: 0.30000000000000004, steps: 100, epochs: 2 },
    maskUpdates: 7,
    layers: overrides.layers ?? [
      { name: 'fc1', shape: [784, 300], size: 235200, targetDensity: 0.1, activeCount: 23520 },
      { name: 'fc2', shape: [300, 100], size: 30000, targetDensity: 0.1, activeCount: overrides.fc2 ?? 3000 },
    ],
    flops: { denseForward: 532400, inferenceMultiplier: 0.1, trainMultiplier: overrides.trainMultiplier ?? 0.105 },
  } as unknown as RunSummary;
}

describe('compareSummaries', () => {
  it('lists every number of metrics, maskUpdates, each layer and flops; all identical for equal summaries', () => {
    const rows = compareSummaries(summary(), summary());
    expect(rows.map((r) => r.metric)).toEqual([
      'metrics.testAccuracy',
      'metrics.bestTestAccuracy',
      'metrics.finalTrainLoss',
      'metrics.steps',
      'metrics.epochs',
      'maskUpdates',
      'layers.fc1.activeCount',
      'layers.fc2.activeCount',
      'flops.denseForward',
      'flops.inferenceMultiplier',
      'flops.trainMultiplier',
    ]);
    expect(rows.every((r) => r.identical)).toBe(true);
  });

  it('one ulp is a difference (bit for bit), and so is a layer count off by one', () => {
    const ulp = 88.47 + 88.47 * Number.EPSILON; // the next double above 88.47
    expect(ulp).not.toBe(88.47);
    const rows = compareSummaries(summary(), summary({ testAccuracy: ulp, fc2: 3001 }));
    expect(rows.filter((r) => !r.identical).map((r) => [r.metric, r.original, r.reproduced])).toEqual([
      ['metrics.testAccuracy', 88.47, ulp],
      ['layers.fc2.activeCount', 3000, 3001],
    ]);
  });

  it('matches layers by name and reports a layer present on one side only', () => {
    const other = summary({ layers: [{ name: 'fc2', shape: [300, 100], size: 30000, targetDensity: 0.1, activeCount: 3000 }, { name: 'fc3', shape: [100, 10], size: 1000, targetDensity: 1, activeCount: 1000 }] });
    const rows = compareSummaries(summary(), other).filter((r) => r.metric.startsWith('layers.'));
    expect(rows).toEqual([
      { metric: 'layers.fc1.activeCount', original: 23520, reproduced: null, identical: false },
      { metric: 'layers.fc2.activeCount', original: 3000, reproduced: 3000, identical: true },
      { metric: 'layers.fc3.activeCount', original: null, reproduced: 1000, identical: false },
    ]);
  });

  it('compares numbers added to metrics or flops beyond the contract, after the contract ones', () => {
    const a = summary();
    const b = summary();
    (a.flops as unknown as Record<string, number>).trainTotalMultiplier = 0.2;
    (b.flops as unknown as Record<string, number>).trainTotalMultiplier = 0.25;
    const rows = compareSummaries(a, b);
    expect(rows[rows.length - 1]).toEqual({ metric: 'flops.trainTotalMultiplier', original: 0.2, reproduced: 0.25, identical: false });
  });

  it('null (never measured) equals null; 0 and -0 differ', () => {
    const a = summary({ trainMultiplier: 0 });
    const b = summary({ trainMultiplier: -0 });
    expect(compareSummaries(a, b).find((r) => r.metric === 'flops.trainMultiplier')!.identical).toBe(false);
    const nullA = summary();
    const nullB = summary();
    (nullA.metrics as unknown as Record<string, unknown>).finalTrainLoss = null;
    (nullB.metrics as unknown as Record<string, unknown>).finalTrainLoss = null;
    expect(compareSummaries(nullA, nullB).find((r) => r.metric === 'metrics.finalTrainLoss')).toEqual({ metric: 'metrics.finalTrainLoss', original: null, reproduced: null, identical: true });
  });
});

describe('formatExact', () => {
  it('prints the shortest round-trip form, so different doubles print differently', () => {
    expect(formatExact(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatExact(-0)).toBe('-0');
    expect(formatExact(null)).toBe('absent');
  });
});
