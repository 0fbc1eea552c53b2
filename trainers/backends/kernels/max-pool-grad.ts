/**
 * `MaxPoolGrad` for the wasm backend. The shipped kernel is a large share of a LeNet-5 step
 * (env-measurements §2d: 25.55 ms of 138.5 ms kernel time); on LeNet-5's [128, 24, 24, 20] map it
 * took 48 ms CPU against 34 ms for this one (1 thread, shared machine). This one runs on the host
 * over the wasm heap: per output position it finds, channel by channel, the first
 * maximum of its window in row-major order (strict >, padding skipped) — the tfjs cpu backend's rule
 * (maxPoolPositions) — and adds dy there. Ties therefore go to the first position, as on cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '../../errors.ts';

export function maxPoolGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as BackendWasm;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
  if (input.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new BackendError(`MaxPoolGrad on wasm supports float32 only but got ${input.dtype} and ${dy.dtype}`);
  }
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;

  const out = backend.makeOutput(input.shape, 'float32');
  const dx = backend.typedArrayFromHeap(out) as Float32Array;
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const g = backend.typedArrayFromHeap(dy) as Float32Array;
  dx.fill(0);
  const maxValue = new Float32Array(channels);
  const maxIndex = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const rowCorner = oh * strideHeight - padTop;
      const r0 = Math.max(0, rowCorner);
      const r1 = Math.min(inHeight, rowCorner + filterHeight);
      for (let ow = 0; ow < outWidth; ow++) {
        const colCorner = ow * strideWidth - padLeft;
        const c0 = Math.max(0, colCorner);
        const c1 = Math.min(inWidth, colCorner + filterWidth);
        maxValue.fill(Number.NEGATIVE_INFINITY);
        maxIndex.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let c = c0; c < c1; c++) {
            const base = ((b * inHeight + r) * inWidth + c) * channels;
            for (let d = 0; d < channels; d++) {
              const v = x[base + d]!;
              if (v > maxValue[d]!) {
                maxValue[d] = v;
                maxIndex[d] = base + d;
              }
            }
          }
        }
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * channels;
        for (let d = 0; d < channels; d++) {
          const at = maxIndex[d]!;
          if (at >= 0) dx[at] = dx[at]! + g[dyBase + d]!;
        }
      }
    }
  }
  return out;
}

export const maxPoolGradWasmConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as tf.KernelFunc,
};
