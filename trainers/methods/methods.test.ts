/**
 * Invariants over method × sparsity × distribution on small dense and conv layers, through the
 * controllers and a loop that follows the contract of types.ts (training.fixture.ts).
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Distribution, MethodSpec } from '../run-manifest.ts';
import { allocateLayers } from '../sparsity/distributions.ts';
import { METHODS } from './registry.ts';
import { SMALL_LAYERS, context, makeVariables, schedule, simulate, type StepRecord } from './training.fixture.ts';
import type { SparseController } from './types.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TOTAL_STEPS = 60; // interval 5, T_end = 45: updates at 4, 9, …, 44
const SPARSITIES = [0.5, 0.8, 0.95];
const DISTRIBUTIONS: Distribution[] = [
  { kind: 'uniform', denseLayers: [] },
  { kind: 'erk', denseLayers: ['fc2'], powerScale: 1 },
];

interface Case {
  label: string;
  spec: MethodSpec;
  /** Per-layer active counts constant (rigl-spec §2.4). */
  exactCounts: boolean;
  dynamic: boolean;
}

const CASES: Case[] = [
  { label: 'static', spec: { name: 'static' }, exactCounts: true, dynamic: false },
  { label: 'set', spec: { name: 'set', update: schedule() }, exactCounts: true, dynamic: true },
  { label: 'rigl', spec: { name: 'rigl', update: schedule() }, exactCounts: true, dynamic: true },
  { label: 'rigl at-multiples, ceil', spec: { name: 'rigl', update: schedule({ stepConvention: 'at-multiples', rounding: 'ceil' }) }, exactCounts: true, dynamic: true },
  { label: 'snfs none', spec: { name: 'snfs', update: schedule(), redistribution: 'none' }, exactCounts: true, dynamic: true },
  { label: 'snfs momentum', spec: { name: 'snfs', update: schedule(), redistribution: 'momentum' }, exactCounts: false, dynamic: true },
  { label: 'rigl-sg', spec: { name: 'rigl-sg', update: schedule() }, exactCounts: false, dynamic: true },
  { label: 'rigl-sm', spec: { name: 'rigl-sm', update: schedule() }, exactCounts: false, dynamic: true },
];

function create(spec: MethodSpec, ctx: ReturnType<typeof context>): SparseController {
  return (METHODS[spec.name] as { create(c: typeof ctx): SparseController }).create(ctx);
}

function each<T>(a: Map<string, T>): [string, T][] {
  return [...a.entries()];
}

/** Violations of the update invariants (empty when all hold); counts of grown and dropped. */
function checkUpdate(r: StepRecord, denseMomentum: boolean): { violations: string[]; changed: number } {
  const violations: string[] = [];
  let changed = 0;
  const bad = (name: string, i: number, what: string) => violations.push(`step ${r.step} ${name}[${i}]: ${what}`);
  for (const [name, before] of each(r.before.masks)) {
    const after = r.after.masks.get(name)!;
    const wBefore = r.before.weights.get(name)!;
    const wAfter = r.after.weights.get(name)!;
    const mBefore = r.before.momentum.get(name)!;
    const mAfter = r.after.momentum.get(name)!;
    let grown = 0;
    let dropped = 0;
    for (let i = 0; i < after.length; i++) {
      if (after[i] !== 0 && after[i] !== 1) bad(name, i, `mask value ${after[i]}`);
      if (after[i] === 0 && wAfter[i] !== 0) bad(name, i, `inactive weight ${wAfter[i]}`);
      if (before[i] === 0 && after[i] === 1) {
        grown++;
        if (wAfter[i] !== 0) bad(name, i, `grown weight ${wAfter[i]}, not 0`);
        // grown momentum is 0, except SNFS, whose dense momentum is kept
        if (denseMomentum ? mAfter[i] !== mBefore[i] : mAfter[i] !== 0) bad(name, i, `grown momentum ${mAfter[i]}`);
      } else if (before[i] === 1 && after[i] === 0) {
        dropped++;
        if (denseMomentum ? mAfter[i] !== mBefore[i] : mAfter[i] !== 0) bad(name, i, `dropped momentum ${mAfter[i]}`);
      } else if (before[i] === 1 && after[i] === 1) {
        // kept, including dropped-and-regrown: weight and momentum unchanged (rigl-spec §2.2 item 7)
        if (wAfter[i] !== wBefore[i]) bad(name, i, `kept weight changed ${wBefore[i]} → ${wAfter[i]}`);
        if (mAfter[i] !== mBefore[i]) bad(name, i, `kept momentum changed ${mBefore[i]} → ${mAfter[i]}`);
      }
    }
    // The report's dropped and newly grown sets match the masks (disjoint by definition here;
    // selectDropAndGrow asserts it on its index sets, see mask-update.test.ts).
    const line = r.report.layers.find((l) => l.name === name)!;
    const active = after.reduce((a, b) => a + b, 0);
    if (line.dropped !== dropped || line.grown !== grown || line.active !== active) {
      violations.push(`step ${r.step} ${name}: report ${JSON.stringify(line)} vs dropped ${dropped} grown ${grown} active ${active}`);
    }
    changed += grown + dropped;
  }
  return { violations, changed };
}

describe.each(CASES)('$label', ({ spec, exactCounts, dynamic }) => {
  describe.each(DISTRIBUTIONS)('$kind', (distribution) => {
    it.each(SPARSITIES)('sparsity %s: exact counts, zeros, grown at 0, disjoint, keyed', (target) => {
      const sparsity = { target, distribution };
      const ctx = context(spec, sparsity, SMALL_LAYERS, 7, TOTAL_STEPS);
      const allocation = allocateLayers(SMALL_LAYERS, target, distribution);
      const controller = create(spec, ctx);
      const vars = makeVariables(SMALL_LAYERS, 7);
      const expectedActive = new Map(allocation.filter((a) => a.masked).map((a) => [a.name, a.activeCount]));
      expect(new Set(controller.masks().keys())).toEqual(new Set(expectedActive.keys()));
      // after init
      for (const [name, mask] of controller.masks()) {
        expect(Array.from(mask.dataSync() as Float32Array).reduce((a, b) => a + b, 0)).toBe(expectedActive.get(name));
      }
      let updates = 0;
      let changed = 0;
      simulate(controller, vars, SMALL_LAYERS, TOTAL_STEPS, (r) => {
        updates++;
        const check = checkUpdate(r, controller.denseMomentum);
        expect(check.violations).toEqual([]);
        changed += check.changed;
        if (exactCounts) {
          for (const [name, mask] of r.after.masks) {
            expect(mask.reduce((a, b) => a + b, 0)).toBe(expectedActive.get(name));
          }
        }
      });
      // inactive weights stay exactly 0 through momentum and later steps
      for (const [name, mask] of controller.masks()) {
        const m = mask.dataSync();
        const w = vars.weights.get(name)!.dataSync();
        expect(w.filter((_, i) => m[i] === 0 && w[i] !== 0).length, name).toBe(0);
      }
      expect(updates).toBe(dynamic ? 9 : 0);
      expect(controller.maskUpdateCount()).toBe(updates);
      if (dynamic) expect(changed).toBeGreaterThan(0);
      // same seed, same masks; the state round-trips
      const again = create(spec, ctx);
      const vars2 = makeVariables(SMALL_LAYERS, 7);
      simulate(again, vars2, SMALL_LAYERS, TOTAL_STEPS, () => {});
      expect(again.state().masks).toEqual(controller.state().masks);
      for (const c of [controller, again]) c.dispose();
      vars.dispose();
      vars2.dispose();
    });
  });
});

describe('seeds', () => {
  it('a different seed gives different initial masks; the same seed the same', () => {
    const spec: MethodSpec = { name: 'static' };
    const sparsity = { target: 0.8, distribution: { kind: 'uniform' as const, denseLayers: [] } };
    const masksOf = (seed: number) => {
      const c = create(spec, context(spec, sparsity, SMALL_LAYERS, seed));
      const m = c.state().masks;
      c.dispose();
      return m;
    };
    expect(masksOf(1)).toEqual(masksOf(1));
    expect(masksOf(1)).not.toEqual(masksOf(2));
  });
});

describe('controller flags and gradient needs', () => {
  const sparsity = { target: 0.8, distribution: { kind: 'uniform' as const, denseLayers: [] } };
  it('RigL needs the dense gradient on update steps only; SNFS on every step; SET never', () => {
    const rigl = create({ name: 'rigl', update: schedule() }, context({ name: 'rigl', update: schedule() }, sparsity));
    const snfs = create(
      { name: 'snfs', update: schedule(), redistribution: 'none' },
      context({ name: 'snfs', update: schedule(), redistribution: 'none' }, sparsity),
    );
    const set = create({ name: 'set', update: schedule() }, context({ name: 'set', update: schedule() }, sparsity));
    expect([3, 4, 5].map((g) => rigl.needsDenseGradient(g))).toEqual([false, true, false]);
    expect([3, 4, 5].map((g) => snfs.needsDenseGradient(g))).toEqual([true, true, true]);
    expect([3, 4, 5].map((g) => set.needsDenseGradient(g))).toEqual([false, false, false]);
    expect([rigl.denseMomentum, snfs.denseMomentum, set.denseMomentum]).toEqual([false, true, false]);
    for (const c of [rigl, snfs, set]) c.dispose();
  });

  it('replacesOptimizerStep comes from the manifest', () => {
    const spec = { name: 'rigl' as const, update: schedule({ replacesOptimizerStep: false }) };
    const c = create(spec, context(spec, sparsity));
    expect(c.replacesOptimizerStep).toBe(false);
    c.dispose();
  });

  it('a method that needs a distribution says so', () => {
    const spec = { name: 'rigl' as const, update: schedule() };
    expect(() => create(spec, context(spec, { target: 0.9 }))).toThrow(/method 'rigl' needs 'sparsity.distribution'/);
    expect(() => create(spec, context(spec, undefined))).toThrow(/method 'rigl' needs 'sparsity'/);
  });

  it('update() on a step that is not an update step is an invariant error', () => {
    const spec = { name: 'rigl' as const, update: schedule() };
    const c = create(spec, context(spec, sparsity));
    const vars = makeVariables(SMALL_LAYERS);
    expect(() => c.update({ step: 3, weights: vars.weights, gradients: new Map(), slots: vars.slots })).toThrow(/not an update step/);
    c.dispose();
    vars.dispose();
  });
});
