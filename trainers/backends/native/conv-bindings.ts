/**
 * Signatures of the addon's convolution and pooling functions (native/src/conv.cc). Layouts are
 * tfjs's: activations NHWC, filters [filterHeight, filterWidth, inChannels, outChannels], all
 * float32, dilation 1. Outputs are allocated by the caller and overwritten whole.
 */
import type * as tf from '@tensorflow/tfjs-core';

/** A convolution's geometry in plain integers (from tf.backend_util.computeConv2DInfo). */
export interface ConvShape {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  /** Zero rows above / columns left of the input; the bottom and right pads follow from the out sizes. */
  padTop: number;
  padLeft: number;
}

/** A 2-D pooling's geometry in plain integers (from tf.backend_util.computePool2DInfo). */
export interface PoolShape {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  padTop: number;
  padLeft: number;
}

export interface ConvBindings {
  /** y[N, outH, outW, OC] = x[N, inH, inW, IC] ⊛ filter. */
  conv2d(x: Float32Array, filter: Float32Array, y: Float32Array, shape: ConvShape): void;
  /** dx[N, inH, inW, IC] of the forward conv, from dy[N, outH, outW, OC]. */
  conv2dBackpropInput(dy: Float32Array, filter: Float32Array, dx: Float32Array, shape: ConvShape): void;
  /** dFilter[KH, KW, IC, OC] of the forward conv; bit-identical at any thread count. */
  conv2dBackpropFilter(x: Float32Array, dy: Float32Array, dFilter: Float32Array, shape: ConvShape): void;
  /** y[N, outH, outW, C] = max over each window (tfjs cpu semantics: NaN never wins, an empty window gives −∞). */
  maxPool(x: Float32Array, y: Float32Array, shape: PoolShape): void;
  /** dx[N, inH, inW, C]: each dy to the first maximum of its window in scan order (tfjs's maxPoolPositions). */
  maxPoolGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, shape: PoolShape): void;
}

/** The addon's shape argument from tfjs's conv info (padding resolved to top/left offsets). */
export function convShape(info: tf.backend_util.Conv2DInfo): ConvShape {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    inChannels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    outChannels: info.outChannels,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}
