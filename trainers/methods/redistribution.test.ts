import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adjustedPruneRates,
  initialGrowthAdjustment,
  layerShares,
  nextGrowthAdjustment,
  redistributedCounts,
  redistributeGrowth,
} from './redistribution.ts';
import { snfsMethod } from './snfs.ts';
import { SMALL_LAYERS, context, gradientsAt, makeVariables, schedule } from './training.fixture.ts';
import type { MaskUpdateInput } from './types.ts';
import type { MaskedLayerView } from './masked-controller.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SNFS redistribution steps (rigl-spec §3.4), hand cases', () => {
  it('shares normalise to 1; all-zero statistics give null (no redistribution)', () => {
    expect(layerShares([1, 3])).toEqual([0.25, 0.75]);
    expect(layerShares([0, 0])).toBeNull();
    expect(layerShares([NaN, 2])).toEqual([0, 1]);
  });

  it('prune rate: a layer under 20 % sparsity with an above-average share gets min(sparsity, p)', () => {
    const layers = [
      { size: 100, activeCount: 90 }, // sparsity 0.1, share 0.5 > 1/3 → min(0.1, 0.3)
      { size: 100, activeCount: 10 }, // sparsity 0.9 → p
      { size: 100, activeCount: 85 }, // sparsity 0.15 but share 0.3 < 1/3 → p
    ];
    expect(adjustedPruneRates(0.3, layers, [0.5, 0.2, 0.3])).toEqual([0.1, 0.3, 0.3]);
  });

  it('capped growth spreads its excess evenly, iterating: [11.88, 4.56, 4.56]', () => {
    // shares 0.75/0.125/0.125 of 20 removed → ceil: 15, 3, 3. Layer 0 can take at most
    // 0.99 · (2 zeros + 10 removed) = 11.88; the excess 3.12 goes 1/3 to each layer, the capped
    // layer passes its share on again: layers 1 and 2 get 3 + 1.04 · (1 + 1/3 + 1/9 + …) = 4.56.
    const r = redistributeGrowth({ shares: [0.75, 0.125, 0.125], zeros: [2, 50, 40], removed: [10, 6, 4], totalRemoved: 20, adjustedGrowth: 0 });
    expect(r[0]).toBeCloseTo(11.88, 12);
    expect(r[1]).toBeCloseTo(4.56, 9);
    expect(r[2]).toBeCloseTo(4.56, 9);
  });

  it('growth adjustment: 0.25·a + 0.75·(baseline − nnz) + mean(history)', () => {
    const a1 = nextGrowthAdjustment(initialGrowthAdjustment(100), 98);
    expect(a1.adjustedGrowth).toBe(3.5); // 0 + 1.5 + 2
    const a2 = nextGrowthAdjustment(a1, 101);
    expect(a2.adjustedGrowth).toBeCloseTo(0.625, 12); // 0.875 − 0.75 + 0.5
  });
});

describe('redistributedCounts', () => {
  const view = (name: string, size: number, active: number): MaskedLayerView => {
    const mask = new Uint8Array(size);
    mask.fill(1, 0, active);
    return { name, shape: [size, 1], size, mask, activeCount: active };
  };
  const input = { step: 0 } as MaskUpdateInput;

  it('drops rounding(p · n_active) and grows the floored redistributed counts', () => {
    const stats = new Map([['a', 6], ['b', 1], ['c', 1]]);
    const rule = redistributedCounts({ statistic: (l) => stats.get(l.name)!, dropRounding: 'ceil', baseline: 0 });
    // sparsities 0.6 / 0.6 / 0.6: no rate adjustment; drops ceil(0.25 · 40) = 10, ceil(0.25·22)=6, ceil(0.25·16)=4
    const counts = rule.counts([view('a', 100, 40), view('b', 55, 22), view('c', 40, 16)], 0.25, input);
    expect(counts.map((c) => c.drop)).toEqual([10, 6, 4]);
    // shares 0.75/0.125/0.125; zeros 60/33/24: no cap binds; ceil(15), ceil(2.5), ceil(2.5)
    expect(counts.map((c) => c.grow)).toEqual([15, 3, 3]);
  });

  it('with every statistic 0 (no momentum yet) each layer regrows what it dropped', () => {
    const rule = redistributedCounts({ statistic: () => 0, dropRounding: 'floor', baseline: 0 });
    const counts = rule.counts([view('a', 100, 40), view('b', 50, 20)], 0.3, input);
    expect(counts).toEqual([{ drop: 12, grow: 12 }, { drop: 6, grow: 6 }]);
  });

  it('state round-trips', () => {
    const rule = redistributedCounts({ statistic: () => 1, dropRounding: 'floor', baseline: 10 });
    rule.afterUpdate(8);
    const other = redistributedCounts({ statistic: () => 1, dropRounding: 'floor', baseline: 10 });
    other.restore(rule.state());
    expect(other.state()).toEqual(rule.state());
    expect(() => other.restore({ baseline: 1 })).toThrow(/adjustedGrowth/);
  });
});

describe('SNFS with momentum redistribution moves weights toward the layer with the largest momentum', () => {
  it('fc1 takes the regrowth when its mean |momentum| dominates', () => {
    const spec = { name: 'snfs' as const, update: schedule({ dropFraction: { kind: 'constant', value: 0.3 } }), redistribution: 'momentum' as const };
    const sparsity = { target: 0.8, distribution: { kind: 'uniform' as const, denseLayers: [] } };
    const controller = snfsMethod.create(context(spec, sparsity));
    const vars = makeVariables(SMALL_LAYERS);
    controller.applyInitialMasks(vars.weights);
    // momentum: 10 everywhere in fc1, 0.1 in the others
    for (const [name, [m]] of vars.slots) m!.assign(tf.fill(m!.shape, name === 'fc1' ? 10 : 0.1));
    const before = controller.layerSummaries().map((l) => l.activeCount);
    const gradients = gradientsAt(SMALL_LAYERS, 4);
    const report = controller.update({ step: 4, weights: vars.weights, gradients, slots: vars.slots });
    // By hand: uniform 0.8 gives 48 / 58 / 12 active (fc1 240, conv 288, fc2 60 weights).
    // SNFS drops ceil(0.3 · n): 15 / 18 / 4, 37 in all. Shares of mean |momentum| over active:
    // 10/10.2, 0.1/10.2, 0.1/10.2; regrowth ceil(share · 37) = 37 / 1 / 1 (no cap binds).
    // Active after: 48 − 15 + 37 = 70, 58 − 18 + 1 = 41, 12 − 4 + 1 = 9 (two more than before:
    // the ceilings overshoot, and the growth adjustment takes it back on the next update).
    expect(before).toEqual([48, 58, 12]);
    expect(report.layers.map((l) => l.active)).toEqual([70, 41, 9]);
    for (const g of gradients.values()) g.dispose();
    controller.dispose();
    vars.dispose();
  });
});
