/**
 * `Conv2DBackpropInput` for the wasm backend. The shipped kernel is a scalar loop (env-measurements
 * §2d: 107.94 ms for the 0.41 GFLOP input gradient of LeNet-5's conv2, ≈3.8 GFLOP/s); this one
 * is the textbook identity "the input gradient is the convolution of the zero-dilated, padded
 * output gradient with the spatially rotated filter", run on wasm's own XNNPACK Conv2D:
 *   dx[n, h, w, c] = Σ_{i,j,o} dy_s[n, h + i − (kh − 1 − pad_top), w + j − (kw − 1 − pad_left), o] · W[kh − 1 − i, kw − 1 − j, c, o]
 * where dy_s is dy with s − 1 zeros inserted after every row/column (stride s). The zeros are
 * inserted by reshaping dy to [n·Ho, 1, Wo, 1, O] and padding the unit axes to s. Forward dilation
 * must be 1 (tfjs's conv2d gradient requires it too). The filter is rotated on the host
 * (host-transpose.ts): wasm's Reverse + Transpose took 290 ms on a 3×3×512×512 filter.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../../errors.ts';
import { rotateFilter } from './host-transpose.ts';
import { callWasmKernel, slice4d, withIntermediates } from './wasm-kernel-calls.ts';

export function conv2dBackpropInputWasm(args: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (dataFormat !== 'NHWC') {
    throw new BackendError(`Conv2DBackpropInput on wasm supports dataFormat 'NHWC' only but got '${dataFormat}'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    'channelsLast',
  );
  const { batchSize, inHeight, inWidth, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  // Rows of the dilated dy, including the s − 1 zero rows after the last one.
  const dilatedHeight = outHeight * strideHeight;
  const dilatedWidth = outWidth * strideWidth;
  const padTop = filterHeight - 1 - info.padInfo.top;
  const padLeft = filterWidth - 1 - info.padInfo.left;
  // Stride-1 "valid + explicit pad" conv: out = dilated + top + bottom − k + 1 = in.
  const padBottom = inHeight - dilatedHeight - padTop + filterHeight - 1;
  const padRight = inWidth - dilatedWidth - padLeft + filterWidth - 1;

  return withIntermediates(backend, (keep) => {
    let dyDilated: tf.TensorInfo = dy;
    if (strideHeight > 1 || strideWidth > 1) {
      const rows = keep(
        callWasmKernel(backend, 'Reshape', { x: dy }, { shape: [batchSize * outHeight, 1, outWidth, 1, outChannels] }),
      );
      const padded = keep(
        callWasmKernel(
          backend,
          'PadV2',
          { x: rows },
          {
            paddings: [
              [0, 0],
              [0, strideHeight - 1],
              [0, 0],
              [0, strideWidth - 1],
              [0, 0],
            ],
            constantValue: 0,
          },
        ),
      );
      dyDilated = keep(
        callWasmKernel(backend, 'Reshape', { x: padded }, { shape: [batchSize, dilatedHeight, dilatedWidth, outChannels] }),
      );
    }
    // Negative padding (only with large explicit forward padding or stride leftovers) is a crop.
    const cropTop = Math.max(-padTop, 0);
    const cropLeft = Math.max(-padLeft, 0);
    const cropBottom = Math.max(-padBottom, 0);
    const cropRight = Math.max(-padRight, 0);
    if (cropTop + cropLeft + cropBottom + cropRight > 0) {
      dyDilated = keep(
        slice4d(
          backend,
          dyDilated,
          [0, cropTop, cropLeft, 0],
          [batchSize, dilatedHeight - cropTop - cropBottom, dilatedWidth - cropLeft - cropRight, outChannels],
        ),
      );
    }
    const rotated = keep(rotateFilter(backend, filter));
    const dx = callWasmKernel(
      backend,
      'Conv2D',
      { x: dyDilated, filter: rotated },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [Math.max(padTop, 0), Math.max(padBottom, 0)],
          [Math.max(padLeft, 0), Math.max(padRight, 0)],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [1, 1],
        dimRoundingMode: undefined,
      },
    );
    if (dx.shape.join(',') !== inputShape.join(',')) {
      backend.disposeData(dx.dataId);
      throw new BackendError(
        `Conv2DBackpropInput on wasm: the rotated-filter convolution gave shape [${dx.shape}] where [${inputShape}] was expected`,
      );
    }
    return dx;
  });
}

export const conv2dBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as tf.KernelFunc,
};
