/**
 * The fused dense (fully connected) layer on the native backend, with real sparse kernels for
 * masked layers (native/src/sparse.cc).
 *
 * `nativeDense(x, w, b, activation, layout?)` runs one kernel, RiglNativeDense: y = act(x·w + b),
 * act = ReLU or identity. Without a layout it is one SGEMM plus a fused bias/ReLU pass. With a
 * SparseLayout (the mask's structure, sparse-layout.ts) the product runs over the active entries
 * only, reading their values from the dense w: equal to the dense product because the trainer
 * keeps inactive weights at exactly 0 (methods/types.ts).
 *
 * Its gradient (tf.registerGradient, saving x, w and y) returns one closure per input, and tfjs
 * calls only those it needs (the first layer's input is data, so its dx is never computed). The
 * activation-masked g = dy ⊙ act'(y) and db = Σ_rows g are computed once, in one pass, and shared:
 *   dense:   dw = xᵀ·g and dx = g·wᵀ as SGEMMs with transpose flags (nothing transposed in memory);
 *   sparse:  dw = (xᵀ·g)⊙m at the active entries only (0 elsewhere: a step that needs the dense
 *            gradient must not pass a layout), dx = g·(w⊙m)ᵀ.
 * The kernels are registered on 'native' only; models call `nativeDense` through ops.ts `dense()`
 * when 'native' is the active backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type NativeKernelContext, type KernelArgs, asKernelArgs, f32, nativeKernel, output } from './kernel-support.ts';
import { xtCacheLength } from './sparse-bindings.ts';
import type { SparseLayout } from './sparse-layout.ts';

export type DenseActivation = 'none' | 'relu';

/** y = act(x·w + b); inputs x [B, in], w [in, out], b [out]; attrs { activation, layout }. */
export const NATIVE_DENSE = 'RiglNativeDense';
/** Backward prologue: inputs dy (and y with ReLU); outputs [g, db] with ReLU, [db] without. */
export const NATIVE_DENSE_BACKWARD_PROLOGUE = 'RiglNativeDenseBackwardPrologue';
/** dx = g·(w⊙m)ᵀ; inputs g [B, out], w [in, out]; attrs { layout }. */
export const NATIVE_SPARSE_DENSE_INPUT_GRAD = 'RiglNativeSparseDenseInputGrad';
/**
 * A sparse layer's backward pass in one kernel; inputs dy, x, w (and y with ReLU); attrs { layout,
 * inputGradient }; outputs [dx, dw, db] when inputGradient, else [dw, db].
 */
export const NATIVE_SPARSE_DENSE_BACKWARD = 'RiglNativeSparseDenseBackward';
/** The same for the dense product (two SGEMMs with transpose flags); attrs { inputGradient }. */
export const NATIVE_DENSE_BACKWARD = 'RiglNativeDenseBackward';

interface DenseAttrs {
  activation: DenseActivation;
  layout: SparseLayout | null;
  /** false: the layer's input is data, so the backward pass skips dx (computed on demand if asked). */
  inputGradient: boolean;
}

/**
 * xᵀ as the sparse forward kernel left it, per layout, for the weight gradient of the same x (the
 * input's dataId: tfjs tensors never change their data, and a dense layer's input is never a
 * variable, the only tensors the native optimizer updates in place). One buffer per layout, reused
 * step after step; a second forward through the layout before the backward (another x) takes it
 * over, and that backward then transposes x itself.
 */
interface XtCache {
  buffer: Float32Array;
  owner: object | null;
}
const xtCaches = new WeakMap<SparseLayout, XtCache>();

function xtBufferFor(layout: SparseLayout, x: tf.TensorInfo): Float32Array {
  const length = xtCacheLength(x.shape[0]!, x.shape[1]!);
  let cache = xtCaches.get(layout);
  if (cache === undefined || cache.buffer.length !== length) {
    cache = { buffer: new Float32Array(length), owner: null };
    xtCaches.set(layout, cache);
  }
  cache.owner = x.dataId;
  return cache.buffer;
}

function cachedXt(layout: SparseLayout, x: tf.TensorInfo): Float32Array | null {
  const cache = xtCaches.get(layout);
  return cache !== undefined && cache.owner === x.dataId && cache.buffer.length === xtCacheLength(x.shape[0]!, x.shape[1]!) ? cache.buffer : null;
}

function denseAttrs(attrs: tf.NamedAttrMap | undefined): DenseAttrs {
  return attrs as unknown as DenseAttrs;
}

function layoutOf(args: KernelArgs): SparseLayout {
  return (args.attrs as unknown as { layout: SparseLayout }).layout;
}

function checkLayout(layout: SparseLayout, inputs: number, outputs: number, where: string): void {
  if (layout.inputs !== inputs || layout.outputs !== outputs) {
    throw new RangeError(`${where}: the sparse layout is for a [${layout.inputs}, ${layout.outputs}] weight but the weight is [${inputs}, ${outputs}]`);
  }
}

/**
 * act(x·w + b) on the native backend as one kernel (see the file header); `layout` = the mask's
 * structure for a masked w whose inactive entries are 0, or undefined for the dense product.
 */
export function nativeDense(
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  activation: DenseActivation,
  layout?: SparseLayout,
  inputGradient = true,
): tf.Tensor2D {
  if (x.rank !== 2 || w.rank !== 2 || b.rank !== 1) {
    throw new RangeError(`'x', 'w' and 'b' passed to nativeDense() must have ranks 2, 2 and 1 but got ${x.rank}, ${w.rank} and ${b.rank}`);
  }
  if (x.shape[1] !== w.shape[0] || b.shape[0] !== w.shape[1]) {
    throw new RangeError(`shapes passed to nativeDense() must be x [B, in], w [in, out], b [out] but got x [${x.shape}], w [${w.shape}], b [${b.shape}]`);
  }
  if (x.dtype !== 'float32' || w.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new TypeError(`nativeDense() takes float32 tensors but got ${x.dtype}, ${w.dtype} and ${b.dtype}`);
  }
  if (layout !== undefined) checkLayout(layout, w.shape[0], w.shape[1], 'nativeDense()');
  const attrs: DenseAttrs = { activation, layout: layout ?? null, inputGradient };
  return tf.engine().runKernel(NATIVE_DENSE, { x, w, b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

let gradientRegistered = false;

/** The gradient of NATIVE_DENSE (see the file header); registered once per process. */
function registerDenseGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: NATIVE_DENSE,
    inputsToSave: ['x', 'w'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, w, y] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const { activation, layout, inputGradient } = denseAttrs(attrs);
      const dyT = dy as tf.Tensor2D;
      return fusedGradients(dyT, x, w, y, activation, layout, inputGradient !== false);
    },
  });
}

/**
 * The gradient closures of a dense layer, all from one fused kernel (dx only when the layer's input
 * needs a gradient; a data input's is computed on demand should tfjs ever ask for it).
 */
function fusedGradients(
  dy: tf.Tensor2D,
  x: tf.Tensor2D,
  w: tf.Tensor2D,
  y: tf.Tensor2D,
  activation: DenseActivation,
  layout: SparseLayout | null,
  inputGradient: boolean,
) {
  const relu = activation === 'relu';
  const inputs: tf.NamedTensorMap = relu ? { dy, x, w, y } : { dy, x, w };
  const attrs = { layout, inputGradient } as unknown as tf.NamedAttrMap;
  const outs = tf.engine().runKernel(layout === null ? NATIVE_DENSE_BACKWARD : NATIVE_SPARSE_DENSE_BACKWARD, inputs, attrs) as tf.Tensor[];
  const [dx, dw, db] = (inputGradient ? outs : [null, ...outs]) as [tf.Tensor2D | null, tf.Tensor2D, tf.Tensor1D];
  return {
    // Asked for although the layer said its input is data: g again, then the input-gradient kernel.
    x: () => dx ?? inputGradientOnDemand(dy, w, relu ? y : null, layout),
    w: () => dw,
    b: () => db,
  };
}

function inputGradientOnDemand(dy: tf.Tensor2D, w: tf.Tensor2D, y: tf.Tensor2D | null, layout: SparseLayout | null): tf.Tensor2D {
  const g = y === null ? dy : ((tf.engine().runKernel(NATIVE_DENSE_BACKWARD_PROLOGUE, { dy, y }) as tf.Tensor[])[0] as tf.Tensor2D);
  if (layout === null) return tf.matMul(g, w, false, true);
  return tf.engine().runKernel(NATIVE_SPARSE_DENSE_INPUT_GRAD, { g, w }, { layout } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

export function sparseKernels(ctx: NativeKernelContext): tf.KernelConfig[] {
  const { addon } = ctx;
  registerDenseGradient();

  const dense: tf.KernelFunc = (raw) => {
    const args = asKernelArgs(raw);
    const { inputs, backend } = args;
    const { activation, layout } = denseAttrs(args.attrs);
    const x = inputs.x!;
    const w = inputs.w!;
    const b = inputs.b!;
    const [batch, inSize] = x.shape as [number, number];
    const outSize = w.shape[1]!;
    const relu = activation === 'relu';
    const y = new Float32Array(batch * outSize);
    if (layout === null) {
      addon.gemm(false, false, batch, outSize, inSize, f32(backend, x), f32(backend, w), y, false);
      addon.denseBiasActivation(batch, outSize, y, f32(backend, b), relu);
    } else {
      checkLayout(layout, inSize, outSize, NATIVE_DENSE);
      const xt = xtBufferFor(layout, x);
      addon.sparseDenseForward(batch, inSize, outSize, f32(backend, x), f32(backend, w), f32(backend, b), relu, layout.columnStarts, layout.columnRows, y, xt);
    }
    return output(backend, [batch, outSize], y);
  };

  const prologue: tf.KernelFunc = (raw) => {
    const { inputs, backend } = asKernelArgs(raw);
    const dy = inputs.dy!;
    const y = inputs.y;
    const [rows, cols] = dy.shape as [number, number];
    const db = new Float32Array(cols);
    if (y === undefined) {
      addon.denseBackwardPrologue(rows, cols, f32(backend, dy), null, null, db);
      return [output(backend, [cols], db)];
    }
    const g = new Float32Array(rows * cols);
    addon.denseBackwardPrologue(rows, cols, f32(backend, dy), f32(backend, y), g, db);
    return [output(backend, [rows, cols], g), output(backend, [cols], db)];
  };

  const inputGrad: tf.KernelFunc = (raw) => {
    const args = asKernelArgs(raw);
    const { inputs, backend } = args;
    const layout = layoutOf(args);
    const g = inputs.g!;
    const w = inputs.w!;
    const [batch, outSize] = g.shape as [number, number];
    const inSize = w.shape[0]!;
    checkLayout(layout, inSize, outSize, NATIVE_SPARSE_DENSE_INPUT_GRAD);
    const dx = new Float32Array(batch * inSize);
    addon.sparseDenseInputGrad(batch, inSize, outSize, f32(backend, g), f32(backend, w), layout.rowStarts, layout.rowColumns, dx);
    return output(backend, [batch, inSize], dx);
  };

  const sparseBackward: tf.KernelFunc = (raw) => {
    const args = asKernelArgs(raw);
    const { inputs, backend } = args;
    const { layout, inputGradient } = args.attrs as unknown as { layout: SparseLayout; inputGradient: boolean };
    const dy = inputs.dy!;
    const x = inputs.x!;
    const w = inputs.w!;
    const y = inputs.y;
    const [batch, inSize] = x.shape as [number, number];
    const outSize = w.shape[1]!;
    checkLayout(layout, inSize, outSize, NATIVE_SPARSE_DENSE_BACKWARD);
    const dx = inputGradient ? new Float32Array(batch * inSize) : null;
    // Zero-filled: the kernel writes the active entries only.
    const dw = new Float32Array(inSize * outSize);
    const db = new Float32Array(outSize);
    addon.sparseDenseBackward(
      batch,
      inSize,
      outSize,
      f32(backend, x),
      f32(backend, w),
      f32(backend, dy),
      y === undefined ? null : f32(backend, y),
      layout.rowStarts,
      layout.rowColumns,
      cachedXt(layout, x),
      dx,
      dw,
      db,
    );
    const rest = [output(backend, [inSize, outSize], dw), output(backend, [outSize], db)];
    return dx === null ? rest : [output(backend, [batch, inSize], dx), ...rest];
  };

  // g = dy ⊙ act'(y) and db (the prologue), dw = xᵀ·g, dx = g·wᵀ: the SGEMMs tf.matMul would run.
  const denseBackward: tf.KernelFunc = (raw) => {
    const args = asKernelArgs(raw);
    const { inputs, backend } = args;
    const { inputGradient } = args.attrs as unknown as { inputGradient: boolean };
    const dy = inputs.dy!;
    const x = inputs.x!;
    const w = inputs.w!;
    const y = inputs.y;
    const [batch, inSize] = x.shape as [number, number];
    const outSize = w.shape[1]!;
    const dyValues = f32(backend, dy);
    const db = new Float32Array(outSize);
    let g = dyValues;
    if (y === undefined) {
      addon.denseBackwardPrologue(batch, outSize, dyValues, null, null, db);
    } else {
      g = new Float32Array(batch * outSize);
      addon.denseBackwardPrologue(batch, outSize, dyValues, f32(backend, y), g, db);
    }
    const dw = new Float32Array(inSize * outSize);
    addon.gemm(true, false, inSize, outSize, batch, f32(backend, x), g, dw, false);
    const rest = [output(backend, [inSize, outSize], dw), output(backend, [outSize], db)];
    if (!inputGradient) return rest;
    const dx = new Float32Array(batch * inSize);
    addon.gemm(false, true, batch, inSize, outSize, g, f32(backend, w), dx, false);
    return [output(backend, [batch, inSize], dx), ...rest];
  };

  return [
    nativeKernel(NATIVE_DENSE, dense),
    nativeKernel(NATIVE_DENSE_BACKWARD, denseBackward),
    nativeKernel(NATIVE_SPARSE_DENSE_BACKWARD, sparseBackward),
    nativeKernel(NATIVE_DENSE_BACKWARD_PROLOGUE, prologue),
    nativeKernel(NATIVE_SPARSE_DENSE_INPUT_GRAD, inputGrad),
  ];
}
