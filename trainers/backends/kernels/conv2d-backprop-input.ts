/**
 * `Conv2DBackpropInput` for the wasm backend. The shipped kernel is a scalar loop (env-measurements
 * §2d: 107.94 ms for the 0.41 GFLOP input gradient of LeNet-5's conv2, ≈3.8 GFLOP/s); this one
 * is the textbook identity "the input gradient is the convolution of the zero-dilated, padded
 * output gradient with the spatially rotated filter", run on wasm's own XNNPACK Conv2D:
 *   dx[n, h, w, c] = Σ_{i,j,o} dy_s[n, h + i − (kh − 1 − pad_top), w + j − (kw − 1 − pad_left), o] · W[kh − 1 − i, kw − 1 − j, c, o]
 * where dy_s is dy with s − 1 zeros inserted after every row/column (stride s). The zeros are
 * inserted by reshaping dy to [n·Ho, 1, Wo, 1, O] and padding the unit axes to s. Forward dilation
 * must be 1 (tfjs's conv2d gradient requires it too). The filter is rotated on the host
 * (host-transpose.ts): wasm's Reverse + Transpose take 120 ms CPU on a 3×3×512×512 filter, this 10 ms.
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

  if (filterHeight === 1 && filterWidth === 1 && info.padInfo.top === 0 && info.padInfo.left === 0) {
    return pointwiseInputGradient(backend, dy, filter, info);
  }
  return withIntermediates(backend, (keep) => {
    let dyDilated: tf.TensorInfo = dy;
    if (strideHeight > 1 || strideWidth > 1) dyDilated = keep(dilate(backend, keep, dy, strideHeight, strideWidth));
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

/** Zero-inserts s − 1 rows/columns after each row/column of a [n, h, w, c] tensor → [n, h·s, w·s, c]. */
function dilate(
  backend: BackendWasm,
  keep: (t: tf.TensorInfo) => tf.TensorInfo,
  x: tf.TensorInfo,
  strideHeight: number,
  strideWidth: number,
): tf.TensorInfo {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const rows = keep(callWasmKernel(backend, 'Reshape', { x }, { shape: [n * h, 1, w, 1, c] }));
  const paddings = [
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ];
  const padded = keep(callWasmKernel(backend, 'PadV2', { x: rows }, { paddings, constantValue: 0 }));
  return callWasmKernel(backend, 'Reshape', { x: padded }, { shape: [n, h * strideHeight, w * strideWidth, c] });
}

/**
 * 1×1 filter, no padding: dx is dy·Wᵀ at the strided positions and 0 elsewhere, so the product runs
 * on the small map and only its result is zero-inserted (the general path would multiply the
 * s² − 1 inserted zeros too: 0.8× the shipped kernel's speed on a 1×1 stride-2 shortcut).
 */
function pointwiseInputGradient(
  backend: BackendWasm,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, strideHeight, strideWidth } = info;
  return withIntermediates(backend, (keep) => {
    const rotated = keep(rotateFilter(backend, filter));
    const product = callWasmKernel(
      backend,
      'Conv2D',
      { x: dy, filter: rotated },
      { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
    );
    if (strideHeight === 1 && strideWidth === 1) return product;
    keep(product);
    const dilated = dilate(backend, keep, product, strideHeight, strideWidth);
    if (dilated.shape[1] === inHeight && dilated.shape[2] === inWidth) return dilated;
    keep(dilated);
    // The last stride's trailing zeros can reach past the input: crop them.
    return slice4d(backend, dilated, [0, 0, 0, 0], [batchSize, inHeight, inWidth, inChannels]);
  });
}

export const conv2dBackpropInputWasmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInputWasm as tf.KernelFunc,
};
