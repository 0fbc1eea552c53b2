/**
 * Test support: small layers, variables, and a loop that calls controllers exactly as the contract
 * in types.ts says the training loop will (masked gradients before momentum unless denseMomentum,
 * inactive weights kept at 0, update replacing the optimizer step when the controller says so).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MaskUpdateSchedule, MethodSpec, SparsitySpec } from '../run-manifest.ts';
import type { WeightLayerDescription } from '../models/types.ts';
import { keyedRandom } from '../random.ts';
import type { MaskUpdateReport, MethodContext, SparseController } from './types.ts';

export function layer(name: string, shape: number[], outputPositions = 1): WeightLayerDescription {
  const size = shape.reduce((a, b) => a * b, 1);
  return { name, kind: shape.length === 4 ? 'conv2d' : 'dense', shape, outputPositions, denseForwardFlops: 2 * size * outputPositions };
}

/** Three small layers of both kinds. */
export const SMALL_LAYERS: WeightLayerDescription[] = [
  layer('fc1', [20, 12]),
  layer('conv', [3, 3, 4, 8], 16),
  layer('fc2', [12, 5]),
];

export function schedule(overrides: Partial<MaskUpdateSchedule> = {}): MaskUpdateSchedule {
  return {
    intervalSteps: 5,
    end: { kind: 'fraction', fraction: 0.75 },
    dropFraction: { kind: 'cosine', initial: 0.3 },
    stepConvention: 'after-interval',
    rounding: 'floor',
    replacesOptimizerStep: true,
    ...overrides,
  };
}

export function context<S extends MethodSpec>(
  method: S,
  sparsity: SparsitySpec | undefined,
  layers: readonly WeightLayerDescription[] = SMALL_LAYERS,
  seed = 0,
  totalSteps = 60,
): MethodContext<S> {
  return { method, sparsity, layers, seed, totalSteps };
}

export interface Variables {
  weights: Map<string, tf.Variable>;
  slots: Map<string, tf.Variable[]>;
  dispose(): void;
}

function normals(seed: number, purpose: string, name: string, step: number, size: number): Float32Array {
  const r = keyedRandom(seed, purpose, name, step);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = r.nextNormal();
  return out;
}

/** Weights ~ N(0, 1) keyed on (seed, 'w', layer); momentum slots start at 0. */
export function makeVariables(layers: readonly WeightLayerDescription[], seed = 0): Variables {
  const weights = new Map<string, tf.Variable>();
  const slots = new Map<string, tf.Variable[]>();
  for (const l of layers) {
    const size = l.shape.reduce((a, b) => a * b, 1);
    weights.set(l.name, tf.variable(tf.tensor(normals(seed, 'w', l.name, 0, size), l.shape)));
    slots.set(l.name, [tf.variable(tf.zeros(l.shape))]);
  }
  return {
    weights,
    slots,
    dispose() {
      for (const v of weights.values()) v.dispose();
      for (const s of slots.values()) for (const v of s) v.dispose();
    },
  };
}

export function gradientsAt(layers: readonly WeightLayerDescription[], step: number, seed = 0): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const l of layers) {
    const size = l.shape.reduce((a, b) => a * b, 1);
    out.set(l.name, tf.tensor(normals(seed, 'grad', l.name, step, size), l.shape));
  }
  return out;
}

export interface Snapshot {
  masks: Map<string, Uint8Array>;
  weights: Map<string, Float32Array>;
  momentum: Map<string, Float32Array>;
}

export function snapshot(controller: SparseController, vars: Variables): Snapshot {
  const masks = new Map<string, Uint8Array>();
  for (const [name, m] of controller.masks()) masks.set(name, Uint8Array.from(m.dataSync()));
  const weights = new Map([...vars.weights].map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
  const momentum = new Map([...vars.slots].map(([n, s]) => [n, Float32Array.from(s[0]!.dataSync())]));
  return { masks, weights, momentum };
}

/** SGD with momentum 0.9, lr 0.1, following the loop's masking contract. */
export function sgdStep(controller: SparseController, vars: Variables, gradients: ReadonlyMap<string, tf.Tensor>): void {
  const masks = controller.masks();
  tf.tidy(() => {
    for (const [name, w] of vars.weights) {
      const mask = masks.get(name);
      const g = gradients.get(name)!;
      const m = vars.slots.get(name)![0]!;
      const gIn = mask === undefined || controller.denseMomentum ? g : tf.mul(g, mask);
      m.assign(tf.add(tf.mul(m, 0.9), gIn));
      const next = tf.sub(w, tf.mul(m, 0.1));
      w.assign(mask === undefined ? next : tf.mul(next, mask));
    }
  });
}

export interface StepRecord {
  step: number;
  before: Snapshot;
  after: Snapshot;
  report: MaskUpdateReport;
}

/** Runs `totalSteps` steps; `onUpdate` sees each update's before/after. */
export function simulate(
  controller: SparseController,
  vars: Variables,
  layers: readonly WeightLayerDescription[],
  totalSteps: number,
  onUpdate: (record: StepRecord) => void,
  gradientSeed = 0,
): void {
  controller.applyInitialMasks(vars.weights);
  for (let step = 0; step < totalSteps; step++) {
    const gradients = gradientsAt(layers, step, gradientSeed);
    if (controller.isUpdateStep(step)) {
      const before = snapshot(controller, vars);
      const report = controller.update({ step, weights: vars.weights, gradients, slots: vars.slots });
      onUpdate({ step, before, after: snapshot(controller, vars), report });
      if (!controller.replacesOptimizerStep) sgdStep(controller, vars, gradients);
    } else {
      sgdStep(controller, vars, gradients);
    }
    controller.recordStep(step);
    for (const g of gradients.values()) g.dispose();
  }
}
