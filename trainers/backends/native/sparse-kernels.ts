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
import type { SparseLayout } from './sparse-layout.ts';

export type DenseActivation = 'none' | 'relu';

/** y = act(x·w + b); inputs x [B, in], w [in, out], b [out]; attrs { activation, layout }. */
export const NATIVE_DENSE = 'RiglNativeDense';
/** Backward prologue: inputs dy (and y with ReLU); outputs [g, db] with ReLU, [db] without. */
export const NATIVE_DENSE_BACKWARD_PROLOGUE = 'RiglNativeDenseBackwardPrologue';
/** dx = g·(w⊙m)ᵀ; inputs g [B, out], w [in, out]; attrs { layout }. */
export const NATIVE_SPARSE_DENSE_INPUT_GRAD = 'RiglNativeSparseDenseInputGrad';
/** dw = (xᵀ·g)⊙m; inputs x [B, in], g [B, out]; attrs { layout }. */
export const NATIVE_SPARSE_DENSE_WEIGHT_GRAD = 'RiglNativeSparseDenseWeightGrad';

interface DenseAttrs {
  activation: DenseActivation;
  layout: SparseLayout | null;
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
export function nativeDense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, activation: DenseActivation, layout?: SparseLayout): tf.Tensor2D {
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
  const attrs: DenseAttrs = { activation, layout: layout ?? null };
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
      const { activation, layout } = denseAttrs(attrs);
      const dyT = dy as tf.Tensor2D;
      const prologue =
        activation === 'relu'
          ? (tf.engine().runKernel(NATIVE_DENSE_BACKWARD_PROLOGUE, { dy: dyT, y }) as tf.Tensor[])
          : [dyT, ...(tf.engine().runKernel(NATIVE_DENSE_BACKWARD_PROLOGUE, { dy: dyT }) as tf.Tensor[])];
      const [g, db] = prologue as [tf.Tensor2D, tf.Tensor1D];
      const sparseAttrs = { layout } as unknown as tf.NamedAttrMap;
      return {
        x: () =>
          layout === null
            ? tf.matMul(g, w, false, true)
            : (tf.engine().runKernel(NATIVE_SPARSE_DENSE_INPUT_GRAD, { g, w }, sparseAttrs) as tf.Tensor2D),
        w: () =>
          layout === null
            ? tf.matMul(x, g, true, false)
            : (tf.engine().runKernel(NATIVE_SPARSE_DENSE_WEIGHT_GRAD, { x, g }, sparseAttrs) as tf.Tensor2D),
        b: () => db,
      };
    },
  });
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
      addon.sparseDenseForward(batch, inSize, outSize, f32(backend, x), f32(backend, w), f32(backend, b), relu, layout.columnStarts, layout.columnRows, y);
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

  const weightGrad: tf.KernelFunc = (raw) => {
    const args = asKernelArgs(raw);
    const { inputs, backend } = args;
    const layout = layoutOf(args);
    const x = inputs.x!;
    const g = inputs.g!;
    const [batch, inSize] = x.shape as [number, number];
    const outSize = g.shape[1]!;
    checkLayout(layout, inSize, outSize, NATIVE_SPARSE_DENSE_WEIGHT_GRAD);
    // Zero-filled: the kernel writes the active entries only.
    const dw = new Float32Array(inSize * outSize);
    addon.sparseDenseWeightGrad(batch, inSize, outSize, f32(backend, x), f32(backend, g), layout.rowStarts, layout.rowColumns, dw);
    return output(backend, [inSize, outSize], dw);
  };

  return [
    nativeKernel(NATIVE_DENSE, dense),
    nativeKernel(NATIVE_DENSE_BACKWARD_PROLOGUE, prologue),
    nativeKernel(NATIVE_SPARSE_DENSE_INPUT_GRAD, inputGrad),
    nativeKernel(NATIVE_SPARSE_DENSE_WEIGHT_GRAD, weightGrad),
  ];
}
