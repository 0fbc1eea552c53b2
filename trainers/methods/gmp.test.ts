import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MethodSpec } from '../run-manifest.ts';
import { makeCubicSparsitySchedule } from '../sparsity/schedules.ts';
import { gmpMethod } from './gmp.ts';
import { context, layer, makeVariables } from './training.fixture.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type GmpSpec = Extract<MethodSpec, { name: 'gmp' }>;

/** The recipe's pruning schedule (recipes.md): t0 = 700, T_end = 0.75 · 9,380, every 100 steps after the interval. */
function recipeGmp(scope: GmpSpec['scope']): GmpSpec {
  return {
    name: 'gmp',
    startStep: 700,
    end: { kind: 'fraction', fraction: 0.75 },
    intervalSteps: 100,
    stepConvention: 'after-interval',
    scope,
    initialSparsity: 0,
  };
}

const LAYERS = [layer('fc1', [30, 20]), layer('fc2', [20, 10])]; // 600 + 200 weights
const N = 800;
const sparsity = { target: 0.9 };
const schedule = makeCubicSparsitySchedule({ initialSparsity: 0, finalSparsity: 0.9, startStep: 700, endStep: 7035, lastPruningStep: 6999 });

function runRecipe(scope: GmpSpec['scope']) {
  const controller = gmpMethod.create(context(recipeGmp(scope), sparsity, LAYERS, 0, 9380));
  const vars = makeVariables(LAYERS, 5);
  for (const [name, [m]] of vars.slots) m!.assign(tf.fill(m!.shape, name === 'fc1' ? 0.5 : -0.5));
  const weightsAtStart = new Map([...vars.weights].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
  controller.applyInitialMasks(vars.weights);
  const history: { step: number; zeros: Map<string, number> }[] = [];
  for (let step = 0; step < 9380; step++) {
    if (!controller.isUpdateStep(step)) continue;
    controller.update({ step, weights: vars.weights, gradients: new Map(), slots: vars.slots });
    const zeros = new Map([...controller.masks()].map(([n, m]) => [n, m.dataSync().filter((v) => v === 0).length]));
    history.push({ step, zeros });
  }
  return { controller, vars, weightsAtStart, history };
}

describe('gmp, the fmnist recipe schedule', () => {
  it('global: 70 update steps; nothing pruned before 700; round(s(g) · N) zeros after each; s_f at 6,999', () => {
    const { controller, vars, weightsAtStart, history } = runRecipe('global');
    expect(history).toHaveLength(70);
    expect(controller.maskUpdateCount()).toBe(70);
    expect(controller.replacesOptimizerStep).toBe(true);
    for (const { step, zeros } of history) {
      const total = [...zeros.values()].reduce((a, b) => a + b, 0);
      expect(total, `step ${step}`).toBe(step < 700 ? 0 : Math.round(schedule.sparsityAt(step) * N));
    }
    expect(history[69]!.step).toBe(6999);
    expect([...history[69]!.zeros.values()].reduce((a, b) => a + b, 0)).toBe(720);
    // one threshold: every pruned |w| ≤ every kept |w| across both layers
    let maxPruned = 0;
    let minKept = Infinity;
    for (const [name, mask] of controller.masks()) {
      const m = mask.dataSync();
      const w0 = weightsAtStart.get(name)!;
      const w = vars.weights.get(name)!.dataSync();
      const mom = vars.slots.get(name)![0]!.dataSync();
      for (let i = 0; i < m.length; i++) {
        if (m[i] === 0) {
          maxPruned = Math.max(maxPruned, Math.abs(w0[i]!));
          expect(w[i] === 0 && mom[i] === 0).toBe(true); // pruned weight and its momentum zeroed
        } else {
          minKept = Math.min(minKept, Math.abs(w0[i]!));
          expect(w[i]).toBe(w0[i]); // no SGD here: kept weights unchanged
        }
      }
    }
    expect(maxPruned).toBeLessThanOrEqual(minKept);
    // layers end at different densities under one threshold (N(0,1) weights: close to 0.1 each)
    const summaries = controller.layerSummaries();
    expect(summaries.reduce((a, l) => a + l.activeCount, 0)).toBe(80);
    expect(summaries[0]!.targetDensity).toBe(summaries[0]!.activeCount / 600);
    controller.dispose();
    vars.dispose();
  });

  it('per-layer: each layer pruned to round(s(g) · N_l), ending at floor(0.9 · N_l) zeros', () => {
    const { controller, vars, history } = runRecipe('per-layer');
    for (const { step, zeros } of history) {
      if (step < 700) continue;
      expect(zeros.get('fc1')).toBe(Math.round(schedule.sparsityAt(step) * 600));
      expect(zeros.get('fc2')).toBe(Math.round(schedule.sparsityAt(step) * 200));
    }
    expect(Object.fromEntries(history[69]!.zeros)).toEqual({ fc1: 540, fc2: 180 });
    controller.dispose();
    vars.dispose();
  });

  it('pruned weights are never regrown: masks only lose entries', () => {
    const { controller, vars, history } = runRecipe('global');
    const totals = history.map((h) => [...h.zeros.values()].reduce((a, b) => a + b, 0));
    for (let i = 1; i < totals.length; i++) expect(totals[i]).toBeGreaterThanOrEqual(totals[i - 1]!);
    controller.dispose();
    vars.dispose();
  });

  it('global scope rejects a per-layer distribution; a schedule without pruning steps is an error', () => {
    const erk = { target: 0.9, distribution: { kind: 'erk' as const, denseLayers: [], powerScale: 1 } };
    expect(() => gmpMethod.create(context(recipeGmp('global'), erk, LAYERS, 0, 9380))).toThrow(/scope 'per-layer'/);
    expect(() => gmpMethod.create(context({ ...recipeGmp('global'), startStep: 8000 }, sparsity, LAYERS, 0, 9380))).toThrow(
      /gmp never prunes/,
    );
  });
});

describe('gmp FLOPs', () => {
  // One layer, 10 steps, updates at 1, 3, 5, 7, 9 (after-interval, ΔT = 2), t0 = 0, T_end = 10, s_f = 0.5:
  // s = 0.5(1 − (1 − g/10)^3) = 0.1355, 0.3285, 0.4375, 0.4865, then 0.5 pinned at g = 9.
  const spec: GmpSpec = { name: 'gmp', startStep: 0, end: { kind: 'step', step: 10 }, intervalSteps: 2, stepConvention: 'after-interval', scope: 'global', initialSparsity: 0 };
  const layers = [layer('w', [10, 10])];

  it('estimate: mean over steps of density = (1 + 2(0.8645 + 0.6715 + 0.5625 + 0.5135) + 0.5)/10 = 0.6724', () => {
    expect(gmpMethod.estimateTrainMultiplier(context(spec, { target: 0.5 }, layers, 0, 10))).toBeCloseTo(0.6724, 12);
  });

  it('controller: 3 f_S(t) with the masks of each step; zeros 14, 33, 44, 49, 50 → 0.67', () => {
    const controller = gmpMethod.create(context(spec, { target: 0.5 }, layers, 0, 10));
    const vars = makeVariables(layers);
    for (let step = 0; step < 10; step++) {
      if (controller.isUpdateStep(step)) controller.update({ step, weights: vars.weights, gradients: new Map(), slots: vars.slots });
      controller.recordStep(step);
    }
    expect(controller.trainMultiplier()).toBeCloseTo((1 + 2 * (0.86 + 0.67 + 0.56 + 0.51) + 0.5) / 10, 12);
    expect(controller.inferenceMultiplier()).toBe(0.5);
    controller.dispose();
    vars.dispose();
  });
});
