/**
 * `Conv2DBackpropFilter` for the wasm backend, which does not ship one (env-measurements §2b: any
 * conv layer with trainable weights fails with "Kernel 'Conv2DBackpropFilter' not registered").
 *
 * The filter gradient is itself a convolution (the "transpose" method of env-measurements §2b):
 *   dW[i, j, c, o] = Σ_{n,p,q} x[n, p·s_h + i − pad_top, q·s_w + j − pad_left, c] · dy[n, p, q, o]
 * Swap the roles of batch and channels, x' = x^T[c, h, w, n] (perm 3,1,2,0), and use dy as the
 * filter, f'[p, q, n, o] = dy^T (perm 1,2,0,3). Then
 *   dW'[c, i, j, o] = Σ_{p,q,n} x'[c, i + p·s_h − pad_top, j + q·s_w − pad_left, n] · f'[p, q, n, o],
 * a stride-1 convolution whose *dilation* is the forward stride, with the forward padding on top
 * and left, computed by wasm's own XNNPACK Conv2D. The bottom/right padding is chosen so that the
 * output is exactly kh × kw; rows the forward pass never read (stride leftovers) are cropped.
 * Forward dilation must be 1 (tfjs's conv2d gradient requires it too). The batch↔channel transpose
 * of x runs on the host (host-transpose.ts): wasm's Transpose takes 2–3× longer on the power-of-two
 * strides of CIFAR feature maps (55 vs 18–26 ms CPU on [128, 32, 32, 32]); the row-preserving
 * transposes of dy and of the result stay on wasm, which is faster there.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../../errors.ts';
import { permuteAxes, stridedColumns } from './host-transpose.ts';
import { callWasmKernel, slice4d, withIntermediates } from './wasm-kernel-calls.ts';

export function conv2dBackpropFilterWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (dataFormat !== 'NHWC') {
    throw new BackendError(`Conv2DBackpropFilter on wasm supports dataFormat 'NHWC' only but got '${dataFormat}'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, batchSize } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  // Output of the swapped convolution: in + padTop + padBottom − (out − 1)·stride = kernel size.
  let padBottom = filterHeight - inHeight - padTop + (outHeight - 1) * strideHeight;
  let padRight = filterWidth - inWidth - padLeft + (outWidth - 1) * strideWidth;
  const usedHeight = inHeight + Math.min(padBottom, 0);
  const usedWidth = inWidth + Math.min(padRight, 0);
  padBottom = Math.max(padBottom, 0);
  padRight = Math.max(padRight, 0);

  if (filterHeight === 1 && filterWidth === 1 && padTop === 0 && padLeft === 0) {
    return pointwiseFilterGradient(backend, x, dy, info);
  }
  return withIntermediates(backend, (keep) => {
    let xUsed: tf.TensorInfo = x;
    if (usedHeight < inHeight || usedWidth < inWidth) {
      xUsed = keep(slice4d(backend, x, [0, 0, 0, 0], [batchSize, usedHeight, usedWidth, inChannels]));
    }
    const xSwapped = keep(permuteAxes(backend, xUsed, [3, 1, 2, 0]));
    const dySwapped = keep(callWasmKernel(backend, 'Transpose', { x: dy }, { perm: [1, 2, 0, 3] }));
    const dwSwapped = keep(
      callWasmKernel(
        backend,
        'Conv2D',
        { x: xSwapped, filter: dySwapped },
        {
          strides: [1, 1],
          pad: [
            [0, 0],
            [padTop, padBottom],
            [padLeft, padRight],
            [0, 0],
          ],
          dataFormat: 'NHWC',
          dilations: [strideHeight, strideWidth],
          dimRoundingMode: undefined,
        },
      ),
    );
    const expected = [inChannels, filterHeight, filterWidth, outChannels];
    if (dwSwapped.shape.join(',') !== expected.join(',')) {
      throw new BackendError(
        `Conv2DBackpropFilter on wasm: the swapped convolution gave shape [${dwSwapped.shape}] where [${expected}] was expected`,
      );
    }
    return callWasmKernel(backend, 'Transpose', { x: dwSwapped }, { perm: [1, 2, 0, 3] });
  });
}

/**
 * 1×1 filter, no padding: dW[0, 0, c, o] = Σ_m x_s[m, c] · dy[m, o] over the M = n·Ho·Wo positions
 * the forward pass read (x_s = x at the strided positions), i.e. x_sᵀ·dy as one plain matMul, with
 * x_sᵀ gathered on the host (host-transpose.ts stridedColumns).
 * The swapped convolution would run a Ho×Wo-tap kernel over a 1×1 output (0.9 GFLOP/s on a
 * [128, 32, 32, 32] stride-2 shortcut, against 17 GFLOP/s for its forward pass).
 */
function pointwiseFilterGradient(
  backend: BackendWasm,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize, inChannels, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info;
  const positions = batchSize * outHeight * outWidth;
  return withIntermediates(backend, (keep) => {
    const columns = keep(stridedColumns(backend, x, strideHeight, strideWidth));
    if (columns.shape[1] !== positions) {
      throw new BackendError(`Conv2DBackpropFilter on wasm: ${columns.shape[1]} sampled positions where ${positions} were expected`);
    }
    const dyRows = keep(callWasmKernel(backend, 'Reshape', { x: dy }, { shape: [positions, outChannels] }));
    const product = keep(
      callWasmKernel(backend, 'BatchMatMul', { a: columns, b: dyRows }, { transposeA: false, transposeB: false }),
    );
    return callWasmKernel(backend, 'Reshape', { x: product }, { shape: [1, 1, inChannels, outChannels] });
  });
}

export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as tf.KernelFunc,
};
