/**
 * For tests of the native dense-layer kernels (sparse-kernels.ts): small random cases, the
 * dense-masked reference computed in float64 on the host, and a check that runs the kernels
 * through tfjs (`nativeDense` and `tf.grads`, so the registered gradient is covered too) on the
 * active backend, which must be 'native'. Used in-process by sparse-kernels.test.ts and, with
 * another RIGL_NATIVE_ISA, by sparse-kernels.isa-check.ts in a child process.
 */
import * as tf from '@tensorflow/tfjs-core';
import { keyedRandom } from '../../random.ts';
import { nativeAddon } from './backend.ts';
import { type DenseActivation, nativeDense } from './sparse-kernels.ts';
import { xtCacheLength } from './sparse-bindings.ts';
import { buildSparseLayout } from './sparse-layout.ts';

export interface DenseKernelCase {
  batch: number;
  inputs: number;
  outputs: number;
  /** Probability that an entry of the mask is active. */
  density: number;
  activation: DenseActivation;
  /** Through the sparse kernels (a layout) or the dense SGEMM path. */
  sparse: boolean;
  /** Clear every third input row and every fourth output column of the mask. */
  emptyRowsAndColumns: boolean;
}

export function caseLabel(c: DenseKernelCase): string {
  return `${c.sparse ? 'sparse' : 'dense'} B=${c.batch} [${c.inputs}, ${c.outputs}] density ${c.density} ${c.activation}${c.emptyRowsAndColumns ? ' empty rows/cols' : ''}`;
}

/** The cases every ISA is checked on: several shapes, B = 1, 7, 128, 130, densities 0 … 1. */
export function kernelCases(): DenseKernelCase[] {
  const cases: DenseKernelCase[] = [];
  const shapes: Array<[number, number]> = [
    [5, 3],
    [37, 19],
    [70, 33],
  ];
  let k = 0;
  for (const [inputs, outputs] of shapes) {
    for (const batch of [1, 7, 128, 130]) {
      for (const density of [0, 0.01, 0.1, 0.5, 1]) {
        const activation: DenseActivation = k++ % 2 === 0 ? 'relu' : 'none';
        cases.push({ batch, inputs, outputs, density, activation, sparse: true, emptyRowsAndColumns: false });
      }
      cases.push({ batch, inputs, outputs, density: 0.5, activation: 'relu', sparse: true, emptyRowsAndColumns: true });
      cases.push({ batch, inputs, outputs, density: 1, activation: k++ % 2 === 0 ? 'relu' : 'none', sparse: false, emptyRowsAndColumns: false });
    }
  }
  return cases;
}

/** Cases big enough to be split over the thread pool (for the 1-vs-2-threads check). */
export function parallelCases(): DenseKernelCase[] {
  return [
    { batch: 128, inputs: 784, outputs: 300, density: 0.08, activation: 'relu', sparse: true, emptyRowsAndColumns: false },
    { batch: 130, inputs: 300, outputs: 100, density: 0.25, activation: 'relu', sparse: true, emptyRowsAndColumns: true },
    { batch: 64, inputs: 100, outputs: 10, density: 1, activation: 'none', sparse: true, emptyRowsAndColumns: false },
    { batch: 128, inputs: 300, outputs: 100, density: 1, activation: 'relu', sparse: false, emptyRowsAndColumns: false },
  ];
}

export interface CaseData {
  x: Float32Array;
  /** 0/1 mask, [inputs, outputs] row-major. */
  mask: Float32Array;
  /**
   * The weight: 0 at inactive entries on the dense path (as in training); 1000 there on the sparse
   * path, to show that the sparse kernels never read inactive entries.
   */
  w: Float32Array;
  b: Float32Array;
  /** The upstream gradient dL/dy. */
  dy: Float32Array;
}

function normals(n: number, ...key: (string | number)[]): Float32Array {
  const rng = keyedRandom(...key);
  return Float32Array.from({ length: n }, () => rng.nextNormal());
}

export function caseData(c: DenseKernelCase, seed: number): CaseData {
  const rng = keyedRandom('dense-kernel-case', seed, 'mask');
  const mask = new Float32Array(c.inputs * c.outputs);
  for (let i = 0; i < c.inputs; i++) {
    for (let j = 0; j < c.outputs; j++) {
      const cleared = c.emptyRowsAndColumns && (i % 3 === 1 || j % 4 === 2);
      mask[i * c.outputs + j] = !cleared && rng.nextFloat() < c.density ? 1 : 0;
    }
  }
  const w = normals(c.inputs * c.outputs, 'dense-kernel-case', seed, 'w');
  for (let k = 0; k < w.length; k++) if (mask[k] === 0) w[k] = c.sparse ? 1000 : 0;
  return {
    x: normals(c.batch * c.inputs, 'dense-kernel-case', seed, 'x'),
    mask,
    w,
    b: normals(c.outputs, 'dense-kernel-case', seed, 'b'),
    dy: normals(c.batch * c.outputs, 'dense-kernel-case', seed, 'dy'),
  };
}

export interface DenseResults {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
  db: Float32Array;
}

/** y and the gradients of Σ y ⊙ dy w.r.t. x, w and b, through nativeDense on the active backend. */
export function runNativeCase(c: DenseKernelCase, data: CaseData): DenseResults {
  const layout = c.sparse ? buildSparseLayout(data.mask, c.inputs, c.outputs) : undefined;
  return tf.tidy(() => {
    const x = tf.tensor2d(data.x, [c.batch, c.inputs]);
    const w = tf.tensor2d(data.w, [c.inputs, c.outputs]);
    const b = tf.tensor1d(data.b);
    const up = tf.tensor2d(data.dy, [c.batch, c.outputs]);
    const y = nativeDense(x, w, b, c.activation, layout);
    const f = (xs: tf.Tensor, ws: tf.Tensor, bs: tf.Tensor) => tf.sum(tf.mul(nativeDense(xs as tf.Tensor2D, ws as tf.Tensor2D, bs as tf.Tensor1D, c.activation, layout), up));
    const [dx, dw, db] = tf.grads(f)([x, w, b]);
    return { y: y.dataSync() as Float32Array, dx: dx!.dataSync() as Float32Array, dw: dw!.dataSync() as Float32Array, db: db!.dataSync() as Float32Array };
  });
}

/** An expected value and the Σ|terms| that bounds its float32 rounding error. */
interface Expected {
  value: Float64Array;
  scale: Float64Array;
}

/**
 * The dense-masked reference in float64. The ReLU's derivative is taken from `yNative` (the
 * kernel's own output), so that a pre-activation within rounding of 0 cannot flip a whole row of
 * the backward check; the forward check covers y itself.
 */
export function referenceCase(c: DenseKernelCase, data: CaseData, yNative: Float32Array): Record<keyof DenseResults, Expected> {
  const { batch: B, inputs: I, outputs: O } = c;
  const wm = Float64Array.from(data.w, (v, k) => (data.mask[k] === 0 ? 0 : v));
  const make = (n: number): Expected => ({ value: new Float64Array(n), scale: new Float64Array(n) });
  const y = make(B * O);
  const dx = make(B * I);
  const dw = make(I * O);
  const db = make(O);
  const g = new Float64Array(B * O);
  for (let r = 0; r < B; r++) {
    for (let j = 0; j < O; j++) {
      let s = data.b[j]!;
      let a = Math.abs(s);
      for (let i = 0; i < I; i++) {
        const t = data.x[r * I + i]! * wm[i * O + j]!;
        s += t;
        a += Math.abs(t);
      }
      y.value[r * O + j] = c.activation === 'relu' ? Math.max(0, s) : s;
      y.scale[r * O + j] = a;
      g[r * O + j] = c.activation === 'relu' && !(yNative[r * O + j]! > 0) ? 0 : data.dy[r * O + j]!;
    }
  }
  for (let r = 0; r < B; r++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      let a = 0;
      for (let j = 0; j < O; j++) {
        const t = g[r * O + j]! * wm[i * O + j]!;
        s += t;
        a += Math.abs(t);
      }
      dx.value[r * I + i] = s;
      dx.scale[r * I + i] = a;
    }
  }
  for (let i = 0; i < I; i++) {
    for (let j = 0; j < O; j++) {
      // The sparse path computes the weight gradient at active entries only.
      if (c.sparse && data.mask[i * O + j] === 0) continue;
      let s = 0;
      let a = 0;
      for (let r = 0; r < B; r++) {
        const t = data.x[r * I + i]! * g[r * O + j]!;
        s += t;
        a += Math.abs(t);
      }
      dw.value[i * O + j] = s;
      dw.scale[i * O + j] = a;
    }
  }
  for (let j = 0; j < O; j++) {
    let s = 0;
    let a = 0;
    for (let r = 0; r < B; r++) {
      s += g[r * O + j]!;
      a += Math.abs(g[r * O + j]!);
    }
    db.value[j] = s;
    db.scale[j] = a;
  }
  return { y, dx, dw, db };
}

/** Relative tolerance on Σ|terms|: float32 sums of up to a few hundred terms stay well inside it. */
const RELATIVE_TOLERANCE = 1e-5;

/** Mismatches of `actual` against the reference, at most `limit` of them described. */
function mismatches(name: string, actual: Float32Array, expected: Expected, limit = 3): string[] {
  const out: string[] = [];
  if (actual.length !== expected.value.length) return [`${name}: ${actual.length} values, expected ${expected.value.length}`];
  let count = 0;
  for (let k = 0; k < actual.length; k++) {
    const bound = RELATIVE_TOLERANCE * expected.scale[k]! + 1e-6;
    const a = actual[k]!;
    if (!(Math.abs(a - expected.value[k]!) <= bound)) {
      if (count < limit) out.push(`${name}[${k}] = ${a}, expected ${expected.value[k]} ± ${bound.toExponential(2)}`);
      count++;
    }
  }
  if (count > limit) out.push(`${name}: ${count - limit} more mismatches`);
  return out;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/**
 * The fused backward + SGD kernel (sparseDenseBackwardSgd) against what it replaces,
 * sparseDenseBackward then sgdStepRows, on a sparse case: dx, db, the weight and its momentum must
 * agree bit for bit. `seed` varies the optimizer (momentum 0 or 0.9, weight decay, Nesterov) and
 * whether x's transpose comes cached from the forward kernel, each independently. Returns the mismatches.
 */
export function fusedStepMismatches(c: DenseKernelCase, data: CaseData, seed: number): string[] {
  const addon = nativeAddon();
  if (addon === null) return ['the native addon is not loaded'];
  const { batch: B, inputs: I, outputs: O } = c;
  const layout = buildSparseLayout(data.mask, I, O);
  const rng = keyedRandom('fused-step-case', seed);
  // Independent bits of the seed: x's transpose cached or not (bit 0), weight decay (bit 1),
  // Nesterov (bit 2); momentum 0 on every third case.
  const momentum = seed % 3 === 0 ? 0 : 0.9;
  const weightDecay = (seed >> 1) % 2 === 1 ? 5e-4 : 0;
  const nesterov = (seed >> 2) % 2 === 1;
  const lr = 0.05;
  // Training's invariant: weight and momentum are 0 off the mask.
  const w0 = Float32Array.from(data.w, (v, k) => (data.mask[k] === 0 ? 0 : v));
  const v0 = Float32Array.from(data.mask, (m) => (m === 0 ? 0 : rng.nextNormal()));
  const y = new Float32Array(B * O);
  const xt = new Float32Array(xtCacheLength(B, I));
  addon.sparseDenseForward(B, I, O, data.x, w0, data.b, c.activation === 'relu', layout.columnStarts, layout.columnRows, y, xt);
  const act = c.activation === 'relu' ? y : null;
  const cache = seed % 2 === 0 ? xt : null;
  const want = { w: w0.slice(), v: v0.slice(), dx: new Float32Array(B * I), db: new Float32Array(O) };
  const dw = new Float32Array(I * O);
  addon.sparseDenseBackward(B, I, O, data.x, want.w, data.dy, act, layout.rowStarts, layout.rowColumns, cache, want.dx, dw, want.db);
  addon.sgdStepRows(want.w, dw, want.v, data.mask, layout.rowStarts, layout.rowColumns, I, O, lr, momentum, weightDecay, nesterov);
  const got = { w: w0.slice(), v: v0.slice(), dx: new Float32Array(B * I), db: new Float32Array(O) };
  addon.sparseDenseBackwardSgd(B, I, O, data.x, got.w, data.dy, act, layout.rowStarts, layout.rowColumns, cache, got.dx, got.db, got.v, lr, momentum, weightDecay, nesterov);
  const out: string[] = [];
  for (const key of ['w', 'v', 'dx', 'db'] as const) {
    if (!sameBits(got[key], want[key])) out.push(`fused backward + SGD (momentum ${momentum}, decay ${weightDecay}, nesterov ${nesterov}): ${key} differs from sparseDenseBackward + sgdStepRows`);
  }
  return out;
}

/**
 * Every mismatch of the native kernels against the reference over `cases` (empty = all pass), and
 * of the fused backward + SGD kernel against the separate kernels on the sparse cases.
 */
export function checkCases(cases: readonly DenseKernelCase[]): string[] {
  const failures: string[] = [];
  cases.forEach((c, seed) => {
    const data = caseData(c, seed);
    const got = runNativeCase(c, data);
    const want = referenceCase(c, data, got.y);
    for (const key of ['y', 'dx', 'dw', 'db'] as const) {
      for (const m of mismatches(key, got[key], want[key])) failures.push(`${caseLabel(c)}: ${m}`);
    }
    if (c.sparse) for (const m of fusedStepMismatches(c, data, seed)) failures.push(`${caseLabel(c)}: ${m}`);
  });
  return failures;
}
