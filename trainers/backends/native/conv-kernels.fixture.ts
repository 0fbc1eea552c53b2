/**
 * Cases for the native conv and pooling kernels (conv-kernels.test.ts and its per-ISA child
 * conv-kernels.isa-check.ts): each runs through tfjs ops and their gradients, so the kernels are
 * reached the way the trainer reaches them, and is compared with tfjs's cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { compare, float32Tolerance, onBackend, testValues } from '../backends.fixture.ts';
import { nativeConvBiasRelu } from './conv-fused.ts';

type Pad = 'same' | 'valid' | number | [[0, 0], [number, number], [number, number], [0, 0]];

export interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: Pad;
  /** Only with a numeric pad. */
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export interface PoolCase {
  x: [number, number, number, number];
  filter: number;
  stride: number;
  pad: 'same' | 'valid' | number;
}

const explicit = (top: number, bottom: number, left: number, right: number): Pad => [
  [0, 0],
  [top, bottom],
  [left, right],
  [0, 0],
];

/**
 * Every path of native/src/conv.cc: fewer than 8 input channels (im2col), 8 or more (pointers into
 * the input), 1×1, stride 1 and 2, 'same', 'valid', explicit pads (asymmetric, and large enough
 * that whole windows fall in the padding), a numeric pad with a rounding mode, more than one
 * column strip of output channels, the stride-1 input gradient as a convolution (≥ 16 input
 * channels, 'same') and as col2im, and filters over 512 KB (depth cut into blocks of whole taps,
 * and of channel slices when a tap has ≥ 256 channels).
 */
export const CONV_CASES: ConvCase[] = [
  { x: [2, 9, 7, 3], filter: [3, 2, 3, 5], stride: 1, pad: 'same' },
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'same' },
  { x: [2, 10, 8, 3], filter: [3, 3, 3, 5], stride: 2, pad: 'valid' },
  { x: [3, 12, 12, 4], filter: [5, 5, 4, 6], stride: 1, pad: 'valid' },
  { x: [2, 5, 7, 6], filter: [1, 1, 6, 4], stride: 1, pad: 'valid' },
  { x: [2, 9, 8, 4], filter: [1, 1, 4, 6], stride: 3, pad: 'valid' },
  { x: [2, 9, 8, 3], filter: [3, 3, 3, 2], stride: 2, pad: explicit(2, 0, 1, 3) },
  { x: [2, 6, 6, 3], filter: [2, 2, 3, 2], stride: 2, pad: explicit(4, 4, 3, 1) },
  { x: [2, 6, 6, 3], filter: [2, 2, 3, 2], stride: 1, pad: explicit(4, 4, 3, 1) },
  { x: [2, 28, 28, 1], filter: [5, 5, 1, 20], stride: 1, pad: 'valid' },
  { x: [2, 9, 7, 16], filter: [3, 3, 16, 24], stride: 1, pad: 'same' },
  { x: [2, 9, 8, 12], filter: [3, 3, 12, 20], stride: 1, pad: explicit(1, 1, 1, 1) },
  { x: [2, 9, 8, 16], filter: [3, 3, 16, 40], stride: 2, pad: 'same' },
  { x: [2, 12, 12, 20], filter: [5, 5, 20, 50], stride: 1, pad: 'valid' },
  { x: [3, 6, 5, 24], filter: [1, 1, 24, 70], stride: 1, pad: 'valid' },
  { x: [2, 7, 7, 40], filter: [1, 1, 40, 8], stride: 2, pad: 'valid' },
  { x: [2, 6, 6, 32], filter: [2, 2, 32, 16], stride: 2, pad: explicit(4, 4, 3, 1) },
  { x: [2, 8, 7, 8], filter: [3, 3, 8, 8], stride: 2, pad: 1, dimRoundingMode: 'floor' },
  { x: [1, 4, 4, 128], filter: [3, 3, 128, 130], stride: 1, pad: 'same' },
  { x: [1, 3, 3, 300], filter: [3, 3, 300, 60], stride: 1, pad: 'same' },
];

/** Overlapping and disjoint windows, 'same' and numeric pads (some windows wholly in the padding), 1×1. */
export const POOL_CASES: PoolCase[] = [
  { x: [2, 8, 8, 5], filter: 2, stride: 2, pad: 'valid' },
  { x: [2, 9, 7, 20], filter: 3, stride: 2, pad: 'same' },
  { x: [2, 9, 7, 17], filter: 3, stride: 1, pad: 'same' },
  { x: [2, 6, 5, 3], filter: 2, stride: 1, pad: 'valid' },
  { x: [1, 5, 5, 4], filter: 2, stride: 2, pad: 2 },
  { x: [2, 4, 4, 3], filter: 1, stride: 1, pad: 'valid' },
];

/** The fused relu(conv + bias) of conv-fused.ts: LeNet-5's two convolutions and a strided 'same' one. */
export interface FusedConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: 'valid' | 'same';
}

export const FUSED_CONV_CASES: FusedConvCase[] = [
  { x: [3, 28, 28, 1], filter: [5, 5, 1, 20], stride: 1, pad: 'valid' },
  { x: [3, 12, 12, 20], filter: [5, 5, 20, 50], stride: 1, pad: 'valid' },
  { x: [2, 9, 7, 3], filter: [3, 3, 3, 70], stride: 2, pad: 'same' },
];

export function fusedConvLabel(c: FusedConvCase): string {
  return `relu(x [${c.x}] ⊛ [${c.filter}] + b) stride ${c.stride} ${c.pad}`;
}

/**
 * [y, dL/dx, dL/dW, dL/db] of L = Σ relu(conv(x, W) + b) ⊙ R: through nativeConvBiasRelu when
 * `fused` (native only), else the separate tfjs ops (any backend).
 */
export function fusedConvOutputs(c: FusedConvCase, fused: boolean): () => tf.Tensor[] {
  const label = fusedConvLabel(c);
  return () => {
    const x = tf.tensor4d(testValues(size(c.x), 'fx', label), c.x);
    const w = tf.tensor4d(testValues(size(c.filter), 'fw', label), c.filter);
    const b = tf.tensor1d(testValues(c.filter[3], 'fb', label));
    const f = (xs: tf.Tensor4D, ws: tf.Tensor4D, bs: tf.Tensor1D) =>
      fused ? nativeConvBiasRelu(xs, ws, bs, c.stride, c.pad) : (tf.relu(tf.add(tf.conv2d(xs, ws, c.stride, c.pad), bs)) as tf.Tensor4D);
    const y = f(x, w, b);
    const r = tf.tensor(testValues(y.size, 'fr', label), y.shape);
    const grads = tf.grads((a: tf.Tensor, bw: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, bw as tf.Tensor4D, bb as tf.Tensor1D), r)))([x, w, b]);
    return [y, ...grads];
  };
}

/** Products summed into one element of y, dx, dW and db. */
export function fusedConvTerms(c: FusedConvCase): [number, number, number, number] {
  const [kh, kw, cin, cout] = c.filter;
  const positions = c.x[0] * c.x[1] * c.x[2];
  return [kh * kw * cin, kh * kw * cout, positions, positions];
}

/** Mismatches of the fused kernel on 'native' against the separate ops on 'cpu' (empty = all pass). */
export async function fusedConvMismatches(cases: FusedConvCase[] = FUSED_CONV_CASES): Promise<string[]> {
  const failures: string[] = [];
  for (const c of cases) {
    const want = await onBackend('cpu', fusedConvOutputs(c, false));
    const got = await onBackend('native', fusedConvOutputs(c, true));
    const terms = fusedConvTerms(c);
    ['y', 'dx', 'dW', 'db'].forEach((name, i) => {
      const { maxAbsDiff, scale } = compare(got[i]!, want[i]!);
      const tolerance = float32Tolerance(scale, terms[i]!);
      if (!(scale > 0.1)) failures.push(`${fusedConvLabel(c)}: ${name} is vacuous (scale ${scale})`);
      if (!(maxAbsDiff <= tolerance)) failures.push(`${fusedConvLabel(c)}: ${name} differs by ${maxAbsDiff} (tolerance ${tolerance}, scale ${scale})`);
    });
  }
  return failures;
}

export function convLabel(c: ConvCase): string {
  return `x [${c.x}] ⊛ [${c.filter}] stride ${c.stride} pad ${JSON.stringify(c.pad)}${c.dimRoundingMode ? ` ${c.dimRoundingMode}` : ''}`;
}

export function poolLabel(c: PoolCase): string {
  return `x [${c.x}] max-pool ${c.filter} stride ${c.stride} pad ${JSON.stringify(c.pad)}`;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function conv(c: ConvCase, x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.conv2d(x, w, c.stride, c.pad, 'NHWC', 1, c.dimRoundingMode);
}

/** [y, dL/dx, dL/dW] of L = Σ conv(x, W) ⊙ R, with R fixed. */
export function convOutputs(c: ConvCase): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(testValues(size(c.x), 'x', convLabel(c)), c.x);
    const w = tf.tensor4d(testValues(size(c.filter), 'w', convLabel(c)), c.filter);
    const y = conv(c, x, w);
    const r = tf.tensor(testValues(y.size, 'r', convLabel(c)), y.shape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(c, a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, w]);
    return [y, dx!, dw!];
  };
}

/**
 * Pooling inputs with ties (values in {−2, …, 2}) and a NaN and a −∞, so that the first-maximum
 * rule and tfjs's NaN handling are both exercised.
 */
export function poolInput(c: PoolCase): Float32Array {
  const v = testValues(size(c.x), 'pool', poolLabel(c)).map((u) => Math.round(2 * u));
  v[3 % v.length] = Number.NaN;
  v[7 % v.length] = Number.NEGATIVE_INFINITY;
  return v;
}

/** [y, dL/dx] of L = Σ maxPool(x) ⊙ R. */
export function poolOutputs(c: PoolCase): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(poolInput(c), c.x);
    const y = tf.maxPool(x, c.filter, c.stride, c.pad);
    const r = tf.tensor(testValues(y.size, 'r', poolLabel(c)), y.shape);
    const dx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, c.filter, c.stride, c.pad), r)))(x);
    return [y, dx];
  };
}

/** Number of products summed into one element of y, dx and dW (for the tolerance). */
export function convTerms(c: ConvCase): [number, number, number] {
  const [n, h, w] = c.x;
  const [kh, kw, cin, cout] = c.filter;
  return [kh * kw * cin, kh * kw * cout, n * h * w];
}

/** Whether two arrays hold the same float32 values bit for bit (NaN equal to NaN, +0 ≠ −0). */
export function bitIdentical(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/**
 * Runs every case on 'native' (already initialised) and on 'cpu'; returns one message per
 * mismatch: convolutions beyond float32 tolerance, pooling not bit-identical.
 */
export async function mismatchesAgainstCpu(convCases: ConvCase[] = CONV_CASES, poolCases: PoolCase[] = POOL_CASES): Promise<string[]> {
  const failures: string[] = [];
  for (const c of convCases) {
    const want = await onBackend('cpu', convOutputs(c));
    const got = await onBackend('native', convOutputs(c));
    const terms = convTerms(c);
    ['y', 'dx', 'dW'].forEach((name, i) => {
      const { maxAbsDiff, scale } = compare(got[i]!, want[i]!);
      const tolerance = float32Tolerance(scale, terms[i]!);
      if (!(maxAbsDiff <= tolerance)) failures.push(`${convLabel(c)}: ${name} differs by ${maxAbsDiff} (tolerance ${tolerance}, scale ${scale})`);
    });
  }
  for (const c of poolCases) {
    const want = await onBackend('cpu', poolOutputs(c));
    const got = await onBackend('native', poolOutputs(c));
    ['y', 'dx'].forEach((name, i) => {
      if (!bitIdentical(got[i]!, want[i]!)) failures.push(`${poolLabel(c)}: ${name} is not bit-identical to cpu`);
    });
  }
  failures.push(...(await fusedConvMismatches()));
  return failures;
}
