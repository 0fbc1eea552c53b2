import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrainerInvariantError } from '../errors.ts';
import { keyedRandom } from '../random.ts';
import type { MethodSpec } from '../run-manifest.ts';
import { checkSelection, selectDropAndGrow } from './mask-update.ts';
import { riglMethod } from './rigl.ts';
import { setMethod } from './set.ts';
import { context, layer, schedule } from './training.fixture.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/*
 * The hand case. One layer of 4×3 = 12 weights, 6 active:
 *   index   0    1    2     3    4    5    6    7    8     9    10   11
 *   mask    1    0    1     1    0    0    1    0    1     0    1    0
 *   w      0.5   0  -0.1   0.3   0    0   0.1   0  -0.7    0   0.2   0
 *   grad    9   0.4  0.8    5  -0.4 0.05  0.9  0.3   7   -0.4  0.1  0.4
 * Drop fraction 0.5 → k = floor(0.5 · 6) = 3. Smallest |w| among active: 2 (0.1) and 6 (0.1, the tie
 * taken in index order), then 10 (0.2) → D = {2, 6, 10}. Candidates for growth = inactive
 * {1,4,5,7,9,11} ∪ D; largest |grad| among them: 6 (0.9), 2 (0.8), then four at 0.4 (1, 4, 9, 11)
 * of which the lowest index, 1 → G = {1, 2, 6}. So 2 and 6 are dropped and regrown (they keep
 * their weights), 10 is dropped, 1 is newly grown: mask after = {0, 1, 2, 3, 6, 8}.
 */
const MASK = Uint8Array.from([1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0]);
const W = [0.5, 0, -0.1, 0.3, 0, 0, 0.1, 0, -0.7, 0, 0.2, 0];
const GRAD = [9, 0.4, 0.8, 5, -0.4, 0.05, 0.9, 0.3, 7, -0.4, 0.1, 0.4];

describe('selectDropAndGrow: the hand case', () => {
  it('k = 3: drops {2, 6, 10}, grows {1, 2, 6}; 2 and 6 are regrown, 10 dropped, 1 new', () => {
    const s = selectDropAndGrow({ layer: 'fc', mask: MASK, weights: W, growScores: GRAD.map(Math.abs), dropCount: 3, growCount: 3 });
    expect([...s.dropped]).toEqual([10]);
    expect([...s.grown]).toEqual([1]);
    expect([...s.regrown]).toEqual([2, 6]);
    expect([...s.mask]).toEqual([1, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0]);
  });

  it('k = 1: the tie 2 vs 6 drops 2 (lower index), which is then regrown: nothing changes', () => {
    const s = selectDropAndGrow({ layer: 'fc', mask: MASK, weights: W, growScores: GRAD.map(Math.abs), dropCount: 1, growCount: 1 });
    expect([...s.regrown]).toEqual([2]);
    expect(s.dropped.length + s.grown.length).toBe(0);
    expect([...s.mask]).toEqual([...MASK]);
  });

  it('grow counts different from drop counts (redistribution) move the active count', () => {
    const s = selectDropAndGrow({ layer: 'fc', mask: MASK, weights: W, growScores: GRAD.map(Math.abs), dropCount: 3, growCount: 5 });
    // after 6, 2: the 0.4 ties 1, 4, 9 by index
    expect([...s.mask].reduce((a, b) => a + b, 0)).toBe(8);
    expect([...s.grown]).toEqual([1, 4, 9]);
  });

  it('counts out of range throw TrainerInvariantError naming the bound', () => {
    const run = (drop: number, grow: number) => () =>
      selectDropAndGrow({ layer: 'fc', mask: MASK, weights: W, growScores: GRAD, dropCount: drop, growCount: grow });
    expect(run(7, 0)).toThrow(/drop count must be an integer in \[0, 6\]/);
    expect(run(0, 7)).toThrow(/grow count must be an integer in \[0, 6\]/);
    expect(run(7, 0)).toThrow(TrainerInvariantError);
  });

  it('checkSelection catches an overlap of dropped and grown, and wrong counts', () => {
    const good = selectDropAndGrow({ layer: 'fc', mask: MASK, weights: W, growScores: GRAD.map(Math.abs), dropCount: 3, growCount: 3 });
    expect(() => checkSelection('fc', MASK, { ...good, grown: Uint32Array.from([1, 10]) }, 3, 3)).toThrow(TrainerInvariantError);
    expect(() => checkSelection('fc', MASK, good, 2, 3)).toThrow(/dropped 3 instead of 2/);
  });
});

type Dyn = Extract<MethodSpec, { name: 'rigl' }> | Extract<MethodSpec, { name: 'set' }>;

/** A controller on the hand layer with the hand mask installed (via restore), updating at step 9. */
function handController(definition: typeof riglMethod | typeof setMethod, name: 'rigl' | 'set', fraction: number, seed = 3) {
  const layers = [layer('fc', [4, 3])];
  const method = { name, update: schedule({ intervalSteps: 10, dropFraction: { kind: 'constant', value: fraction }, end: { kind: 'step', step: 100 } }) } as Dyn;
  const ctx = context(method, { target: 0.5, distribution: { kind: 'custom', densities: { fc: 0.5 } } }, layers, seed, 100);
  const controller = (definition as unknown as typeof riglMethod).create(ctx as never);
  controller.restore({ masks: { fc: MASK }, json: { updateCount: 0, tally: { steps: 0, flops: 0 }, method: { countRule: null } } });
  const weights = new Map([['fc', tf.variable(tf.tensor(W, [4, 3]))]]);
  // Momentum: nonzero at 1 (inactive; a sloppy loop could leave it) to prove it is reset when 1 grows.
  const momentum = tf.variable(tf.tensor([0.05, 0.7, 0.2, 0.3, 0, 0, 0.6, 0, 0.8, 0, 1.0, 0], [4, 3]));
  const slots = new Map([['fc', [momentum]]]);
  const gradients = new Map([['fc', tf.tensor(GRAD, [4, 3])]]);
  return { controller, weights, slots, gradients, momentum, dispose: () => { controller.dispose(); weights.get('fc')!.dispose(); momentum.dispose(); gradients.get('fc')!.dispose(); } };
}

describe('RigL through its controller: the hand case', () => {
  it('new mask {0,1,2,3,6,8}; w[10] = 0, w[1] = 0, regrown 2 and 6 keep weight and momentum; 1 and 10 lose momentum', () => {
    const h = handController(riglMethod, 'rigl', 0.5);
    expect(h.controller.isUpdateStep(9)).toBe(true);
    const report = h.controller.update({ step: 9, weights: h.weights, gradients: h.gradients, slots: h.slots });
    expect(report).toEqual({ step: 9, fraction: 0.5, layers: [{ name: 'fc', dropped: 1, grown: 1, active: 6 }] });
    expect([...h.controller.masks().get('fc')!.dataSync()]).toEqual([1, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0]);
    expect([...h.weights.get('fc')!.dataSync()]).toEqual([0.5, 0, -0.1, 0.3, 0, 0, 0.1, 0, -0.7, 0, 0, 0].map(Math.fround));
    expect([...h.momentum.dataSync()]).toEqual([0.05, 0, 0.2, 0.3, 0, 0, 0.6, 0, 0.8, 0, 0, 0].map(Math.fround));
    expect(h.controller.state().masks.fc).toEqual(Uint8Array.from([1, 1, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0]));
    h.dispose();
  });
});

describe('SET through its controller: the hand case', () => {
  it('drops the same {2, 6, 10} and grows the top 3 of its keyed uniform scores among the 9 candidates', () => {
    const seed = 3;
    const h = handController(setMethod, 'set', 0.5, seed);
    h.controller.update({ step: 9, weights: h.weights, gradients: h.gradients, slots: h.slots });
    // The scores are the documented stream: keyedRandom(seed, 'grow', layer, step).nextFloat() per entry.
    const r = keyedRandom(seed, 'grow', 'fc', 9);
    const scores = Array.from({ length: 12 }, () => r.nextFloat());
    const candidates = [1, 2, 4, 5, 6, 7, 9, 10, 11];
    const grown = [...candidates].sort((a, b) => scores[b]! - scores[a]!).slice(0, 3).sort((a, b) => a - b);
    const expected = [0, 3, 8, ...grown].sort((a, b) => a - b);
    const mask = [...h.controller.masks().get('fc')!.dataSync()];
    expect(mask.flatMap((v, i) => (v === 1 ? [i] : []))).toEqual(expected);
    // whatever was grown: weights of grown entries are 0 unless regrown (2 or 6 keep theirs)
    const w = [...h.weights.get('fc')!.dataSync()];
    for (const i of grown) expect(w[i]).toBe(i === 2 || i === 6 ? Math.fround(W[i]!) : 0);
    h.dispose();
  });

  it('grows differently at another step or seed (the draw is keyed)', () => {
    const masksAt = (seed: number, step: number) => {
      const h = handController(setMethod, 'set', 0.5, seed);
      const method = h.controller;
      // steps 9 and 19 are both update steps of the interval-10 cadence
      method.update({ step, weights: h.weights, gradients: h.gradients, slots: h.slots });
      const out = [...method.masks().get('fc')!.dataSync()].join('');
      h.dispose();
      return out;
    };
    const draws = new Set([masksAt(3, 9), masksAt(3, 19), masksAt(4, 9), masksAt(5, 9), masksAt(6, 19)]);
    expect(draws.size).toBeGreaterThan(1);
    expect(masksAt(3, 9)).toBe(masksAt(3, 9));
  });
});

describe('no tensor leaks', () => {
  it('creating and disposing a controller of every method leaves numTensors unchanged', async () => {
    const { METHODS } = await import('./registry.ts');
    const { SMALL_LAYERS } = await import('./training.fixture.ts');
    const sparsity = { target: 0.8, distribution: { kind: 'uniform' as const, denseLayers: [] } };
    const specs: MethodSpec[] = [
      { name: 'dense' },
      { name: 'static' },
      { name: 'set', update: schedule() },
      { name: 'rigl', update: schedule() },
      { name: 'snfs', update: schedule(), redistribution: 'momentum' },
      { name: 'gmp', startStep: 0, end: { kind: 'fraction', fraction: 0.75 }, intervalSteps: 5, stepConvention: 'after-interval', scope: 'global', initialSparsity: 0 },
    ];
    const before = tf.memory().numTensors;
    for (const spec of specs) {
      const c = (METHODS[spec.name] as { create(x: unknown): { dispose(): void } }).create(context(spec, sparsity, SMALL_LAYERS));
      c.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an update, an initial masking and a restore leave tf.memory().numTensors unchanged', () => {
    const h = handController(riglMethod, 'rigl', 0.5);
    const before = tf.memory().numTensors;
    h.controller.applyInitialMasks(h.weights);
    h.controller.update({ step: 9, weights: h.weights, gradients: h.gradients, slots: h.slots });
    h.controller.update({ step: 19, weights: h.weights, gradients: h.gradients, slots: h.slots });
    h.controller.restore(h.controller.state());
    h.controller.recordStep(19);
    expect(tf.memory().numTensors).toBe(before);
    const beforeDispose = tf.memory().numTensors;
    h.controller.dispose();
    expect(tf.memory().numTensors).toBe(beforeDispose - 1); // the one mask variable
    h.weights.get('fc')!.dispose();
    h.momentum.dispose();
    h.gradients.get('fc')!.dispose();
  });
});
