import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseForwardFlops, rigLStepFlops, sparseForwardFlops, trainMultiplierOf, trainingStepFlops } from './flops.ts';
import { METHODS } from './methods/registry.ts';
import { context, schedule } from './methods/training.fixture.ts';
import type { Distribution, MethodSpec } from './run-manifest.ts';
import { wrn22x2Layers } from './sparsity/architectures.fixture.ts';
import { allocateLayers } from './sparsity/distributions.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const uniformFirstDense: Distribution = { kind: 'uniform', denseLayers: ['conv1'] };
const erk: Distribution = { kind: 'erk', denseLayers: [], powerScale: 1 };

function estimate(spec: MethodSpec, distribution: Distribution | undefined, target = 0.8): number {
  const ctx = context(spec, { target, ...(distribution ? { distribution } : {}) }, wrn22x2Layers(), 0, 88_000);
  return (METHODS[spec.name] as { estimateTrainMultiplier(c: typeof ctx): number }).estimateTrainMultiplier(ctx);
}

describe('WRN-22-2 FLOPs (rigl-spec §5)', () => {
  const layers = wrn22x2Layers();

  it('dense forward = Σ 2·prod(shape)·H·W = 315,460,096 ≈ 3.155e8 (report: 3.15e8)', () => {
    // conv1 884,736 + three groups of 104,857,600 each (51,200·32², 204,800·16², 819,200·8², ×2) + fc 2,560
    expect(denseForwardFlops(layers)).toBe(315_460_096);
  });

  it('uniform at 0.8, first conv dense: inference 0.202, RigL train 0.205 (report 0.20×)', () => {
    const allocation = allocateLayers(layers, 0.8, uniformFirstDense);
    const fS = sparseForwardFlops(layers.map((l, i) => ({ denseForwardFlops: l.denseForwardFlops, density: allocation[i]!.activeCount / allocation[i]!.size })));
    expect(fS / denseForwardFlops(layers)).toBeCloseTo(0.202, 3);
    expect(estimate({ name: 'rigl', update: schedule({ intervalSteps: 100 }) }, uniformFirstDense)).toBeCloseTo(0.205, 3);
    expect(estimate({ name: 'static' }, uniformFirstDense)).toBeCloseTo(0.202, 3);
  });

  it('ERK at 0.8: inference 0.352, RigL train 0.354 (report 0.35×)', () => {
    expect(estimate({ name: 'static' }, erk)).toBeCloseTo(0.352, 3);
    expect(estimate({ name: 'rigl', update: schedule({ intervalSteps: 100 }) }, erk)).toBeCloseTo(0.354, 3);
    expect(estimate({ name: 'rigl-sm', update: schedule({ intervalSteps: 100 }) }, erk)).toBeCloseTo(0.354, 3);
  });

  it('SNFS (2 f_S + f_D)/(3 f_D); SET = static; dense and small-dense 1', () => {
    const fraction = estimate({ name: 'static' }, erk);
    expect(estimate({ name: 'snfs', update: schedule(), redistribution: 'momentum' }, erk)).toBeCloseTo((2 * fraction + 1) / 3, 12);
    expect(estimate({ name: 'set', update: schedule() }, erk)).toBeCloseTo(fraction, 12);
    expect(estimate({ name: 'dense' }, undefined)).toBe(1);
    expect(estimate({ name: 'small-dense', hiddenSizes: null }, undefined)).toBe(1);
  });
});

describe('formulas', () => {
  it('training step costs and RigL average', () => {
    expect(trainingStepFlops('sparse-gradient', 2, 10)).toBe(6);
    expect(trainingStepFlops('dense-gradient', 2, 10)).toBe(14);
    // (3·1·1 + 2·1 + 4)/(1 + 1) = 4.5
    expect(rigLStepFlops(1, 4, 1)).toBe(4.5);
    expect(trainMultiplierOf(4.5, 4)).toBe(0.375);
    expect(() => trainMultiplierOf(1, 0)).toThrow(/'denseForward' .* > 0 but got 0/);
  });
});

describe('controller accounting', () => {
  const sparsity = { target: 0.8, distribution: { kind: 'uniform' as const, denseLayers: [] } };

  function run(spec: MethodSpec, steps: number) {
    const ctx = context(spec, sparsity, undefined, 0, steps);
    const c = (METHODS[spec.name] as { create(x: typeof ctx): import('./methods/types.ts').SparseController }).create(ctx);
    for (let g = 0; g < steps; g++) c.recordStep(g);
    const out = { train: c.trainMultiplier(), inference: c.inferenceMultiplier() };
    c.dispose();
    return out;
  }

  it('RigL: 3 f_S on ordinary steps, 2 f_S + f_D on its one update step (g = 99 of 200, T_end 150)', () => {
    const { train, inference } = run({ name: 'rigl', update: schedule({ intervalSteps: 100 }) }, 200);
    expect(train).toBeCloseTo((199 * 3 * inference + 2 * inference + 1) / (200 * 3), 12);
  });

  it('SNFS: 2 f_S + f_D on every step; static f_S/f_D; dense 1', () => {
    const snfs = run({ name: 'snfs', update: schedule(), redistribution: 'none' }, 20);
    expect(snfs.train).toBeCloseTo((2 * snfs.inference + 1) / 3, 12);
    const stat = run({ name: 'static' }, 20);
    expect(stat.train).toBeCloseTo(stat.inference, 12);
    expect(stat.inference).toBeLessThan(0.25);
    expect(run({ name: 'dense' }, 5)).toEqual({ train: 1, inference: 1 });
  });
});
