/**
 * Elementwise, reduction and layout kernels on the native addon (native/src/eltwise.cc):
 *   - Add, Sub, Multiply, RealDiv, Maximum, Minimum: equal shapes, or one operand broadcast over one
 *     run of axes (a scalar, a [C] bias against [..., C], a [N, 1, 1, C] against [N, H, W, C], a
 *     [M, 1] column against [M, N]);
 *   - Relu, Step, Neg, Exp, Log, Sqrt, Rsqrt, Square, Abs, Reciprocal;
 *   - Sum, Mean, Max over one run of adjacent axes (last, all, all but last, H and W of NHWC);
 *   - Transpose, any permutation up to rank 8.
 * Everything else (another dtype, a broadcast on both sides, reduced axes that are not adjacent)
 * goes to the cpu backend's kernel of the same name. Results equal the cpu backend's bit for bit,
 * but for Exp and Log (the C library's exp / log) and Sum / Mean of rows of 1024 values or more
 * (interleaved double partial sums, vectorised): those can differ in the last float32 bit.
 *
 * The wrappers run for every small op of a training step, so they allocate nothing but the output
 * (and its shape) and decode shapes into module-level scratch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { BinaryBroadcast, EltwiseBinaryOp, EltwiseReduceOp, EltwiseUnaryOp } from './eltwise-bindings.ts';
import { type NativeKernelContext, asKernelArgs, nativeKernel, output } from './kernel-support.ts';

/**
 * The float32 values of a tensor, or null when its store is not a Float32Array: a float32 tensor
 * cast from int32 shares the int32 array (tfjs casts without copying when no precision is lost).
 */
function floatValues(backend: MathBackendCPU, t: tf.TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId)?.values;
  return values instanceof Float32Array ? values : null;
}

/** Output [outer, mid, inner] of a binary op and which operand repeats along mid (see BinaryBroadcast). */
interface BinaryForm {
  outer: number;
  mid: number;
  inner: number;
  broadcast: BinaryBroadcast;
  shape: readonly number[];
}

const form: BinaryForm = { outer: 0, mid: 0, inner: 0, broadcast: BinaryBroadcast.none, shape: [] };

function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Extent of axis d of `shape` right-aligned to `rank` axes (numpy broadcasting). */
function extent(shape: readonly number[], rank: number, d: number): number {
  const i = d - rank + shape.length;
  return i < 0 ? 1 : shape[i]!;
}

/**
 * Fills `form` for a ⊙ b; false when the native loop does not cover the pair: a broadcast on both
 * sides, broadcast axes that are not one run, or shapes that do not broadcast (the cpu kernel then
 * throws tfjs's own error).
 */
function fillBinaryForm(aShape: readonly number[], bShape: readonly number[]): boolean {
  const rank = Math.max(aShape.length, bShape.length);
  let aRepeats = false;
  let bRepeats = false;
  for (let d = 0; d < rank; d++) {
    const da = extent(aShape, rank, d);
    const db = extent(bShape, rank, d);
    if (da === db) continue;
    if (da === 1) aRepeats = true;
    else if (db === 1) bRepeats = true;
    else return false;
  }
  if (aRepeats && bRepeats) return false;
  if (!aRepeats && !bRepeats) {
    form.outer = sizeOf(aShape);
    form.mid = 1;
    form.inner = 1;
    form.broadcast = BinaryBroadcast.none;
    form.shape = aShape.length >= bShape.length ? aShape : bShape;
    return true;
  }
  const small = aRepeats ? aShape : bShape;
  const full = aRepeats ? bShape : aShape;
  // The axes along which the small operand repeats must be one run (axes of extent 1 aside).
  let first = -1;
  let last = -1;
  for (let d = 0; d < rank; d++) {
    const dOut = extent(full, rank, d);
    if (dOut === 1) continue;
    if (extent(small, rank, d) === 1) {
      if (first < 0) first = d;
      else if (hasKeptAxisBetween(small, full, rank, last, d)) return false;
      last = d;
    }
  }
  let outer = 1;
  let mid = 1;
  let inner = 1;
  for (let d = 0; d < rank; d++) {
    const dOut = extent(full, rank, d);
    if (d < first) outer *= dOut;
    else if (d <= last) mid *= dOut;
    else inner *= dOut;
  }
  form.outer = outer;
  form.mid = mid;
  form.inner = inner;
  form.broadcast = aRepeats ? BinaryBroadcast.a : BinaryBroadcast.b;
  form.shape = full.length === rank ? full : [...new Array<number>(rank - full.length).fill(1), ...full];
  return true;
}

/** Whether an axis strictly between `from` and `to` has extent > 1 in the output and is not repeated. */
function hasKeptAxisBetween(small: readonly number[], full: readonly number[], rank: number, from: number, to: number): boolean {
  for (let d = from + 1; d < to; d++) {
    if (extent(full, rank, d) !== 1 && extent(small, rank, d) !== 1) return true;
  }
  return false;
}

/** Shape and permutation handed to the addon's transpose (no allocation per call). */
const MAX_TRANSPOSE_RANK = 8;
const transposeSpec = new Int32Array(2 * MAX_TRANSPOSE_RANK);

export function eltwiseKernels(ctx: NativeKernelContext): tf.KernelConfig[] {
  const { addon } = ctx;

  const binary = (kernelName: string, op: EltwiseBinaryOp): tf.KernelConfig => {
    const cpu = ctx.cpuKernel(kernelName);
    return nativeKernel(kernelName, (raw) => {
      const { inputs, backend } = asKernelArgs(raw);
      const a = inputs.a!;
      const b = inputs.b!;
      const av = floatValues(backend, a);
      const bv = floatValues(backend, b);
      if (av === null || bv === null || !fillBinaryForm(a.shape, b.shape)) return cpu(raw);
      const out = new Float32Array(form.outer * form.mid * form.inner);
      addon.binary(op, av, bv, out, form.outer, form.mid, form.inner, form.broadcast);
      return output(backend, form.shape, out);
    });
  };

  const unary = (kernelName: string, op: EltwiseUnaryOp): tf.KernelConfig => {
    const cpu = ctx.cpuKernel(kernelName);
    return nativeKernel(kernelName, (raw) => {
      const { inputs, backend, attrs } = asKernelArgs(raw);
      const x = inputs.x!;
      const xv = floatValues(backend, x);
      if (xv === null) return cpu(raw);
      const n = tf.util.sizeFromShape(x.shape);
      const out = new Float32Array(n);
      addon.unary(op, xv, out, n, op === EltwiseUnaryOp.step ? (attrs!.alpha as number) : 0);
      return output(backend, x.shape, out);
    });
  };

  const reduce = (kernelName: string, op: EltwiseReduceOp, axisAttr: 'axis' | 'reductionIndices'): tf.KernelConfig => {
    const cpu = ctx.cpuKernel(kernelName);
    return nativeKernel(kernelName, (raw) => {
      const { inputs, backend, attrs } = asKernelArgs(raw);
      const x = inputs.x!;
      const xv = floatValues(backend, x);
      if (xv === null) return cpu(raw);
      const axes = tf.util.parseAxisParam(attrs![axisAttr] as number | number[], x.shape);
      // Reduced axes must be one run of adjacent axes, axes of extent 1 aside.
      let first = x.shape.length;
      let last = -1;
      for (const axis of axes) {
        first = Math.min(first, axis);
        last = Math.max(last, axis);
      }
      let outer = 1;
      let r = 1;
      let inner = 1;
      for (let d = 0; d < x.shape.length; d++) {
        const extentD = x.shape[d]!;
        if (d < first) outer *= extentD;
        else if (d > last) inner *= extentD;
        else if (axes.includes(d)) r *= extentD;
        else if (extentD !== 1) return cpu(raw);
      }
      if (r === 0 || outer * inner === 0) return cpu(raw);
      const out = new Float32Array(outer * inner);
      addon.reduce(op, xv, out, outer, r, inner);
      const [outShape] = tf.backend_util.computeOutAndReduceShapes(x.shape, axes);
      return output(backend, attrs!.keepDims === true ? tf.backend_util.expandShapeToKeepDim(outShape, axes) : outShape, out);
    });
  };

  const cpuTranspose = ctx.cpuKernel(tf.Transpose);
  const transpose = nativeKernel(tf.Transpose, (raw) => {
    const { inputs, backend, attrs } = asKernelArgs(raw);
    const x = inputs.x!;
    const perm = attrs!.perm as number[];
    const rank = x.shape.length;
    const xv = floatValues(backend, x);
    if (xv === null || rank > MAX_TRANSPOSE_RANK || rank === 0) return cpuTranspose(raw);
    const shape = new Array<number>(rank);
    for (let d = 0; d < rank; d++) {
      transposeSpec[d] = x.shape[d]!;
      transposeSpec[rank + d] = perm[d]!;
      shape[d] = x.shape[perm[d]!]!;
    }
    const out = new Float32Array(tf.util.sizeFromShape(x.shape));
    addon.transpose(xv, out, rank, transposeSpec);
    return output(backend, shape, out);
  });

  return [
    binary(tf.Add, EltwiseBinaryOp.add),
    binary(tf.Sub, EltwiseBinaryOp.sub),
    binary(tf.Multiply, EltwiseBinaryOp.mul),
    binary(tf.RealDiv, EltwiseBinaryOp.div),
    binary(tf.Maximum, EltwiseBinaryOp.max),
    binary(tf.Minimum, EltwiseBinaryOp.min),
    unary(tf.Relu, EltwiseUnaryOp.relu),
    unary(tf.Step, EltwiseUnaryOp.step),
    unary(tf.Neg, EltwiseUnaryOp.neg),
    unary(tf.Exp, EltwiseUnaryOp.exp),
    unary(tf.Log, EltwiseUnaryOp.log),
    unary(tf.Sqrt, EltwiseUnaryOp.sqrt),
    unary(tf.Rsqrt, EltwiseUnaryOp.rsqrt),
    unary(tf.Square, EltwiseUnaryOp.square),
    unary(tf.Abs, EltwiseUnaryOp.abs),
    unary(tf.Reciprocal, EltwiseUnaryOp.reciprocal),
    reduce(tf.Sum, EltwiseReduceOp.sum, 'axis'),
    reduce(tf.Mean, EltwiseReduceOp.mean, 'axis'),
    reduce(tf.Max, EltwiseReduceOp.max, 'reductionIndices'),
    transpose,
  ];
}
