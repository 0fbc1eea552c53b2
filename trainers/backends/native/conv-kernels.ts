/**
 * Conv2D, its two gradients, MaxPool and MaxPoolGrad on the native addon (native/src/conv.cc:
 * im2col + SGEMM per chunk of output pixels, direct loops for pooling). tfjs's padding attributes
 * ('same', 'valid', a number, explicit pads) and rounding modes are resolved here by tfjs's own
 * computeConv2DInfo / computePool2DInfo, so the C++ sees plain integers. What the addon does not
 * cover (dilation > 1, NCHW, a non-float32 dtype) goes to the cpu backend's kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type PoolShape, convShape } from './conv-bindings.ts';
import { convFusedKernels } from './conv-fused.ts';
import { type NativeKernelContext, allFloat32, asKernelArgs, f32, nativeKernel, output } from './kernel-support.ts';

type Shape4D = [number, number, number, number];


function poolShape(info: tf.backend_util.Conv2DInfo): PoolShape {
  return {
    batch: info.batchSize,
    inHeight: info.inHeight,
    inWidth: info.inWidth,
    channels: info.inChannels,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
  };
}

/** NHWC (tfjs's default when the attribute is absent). */
function channelsLast(dataFormat: string | undefined): boolean {
  return (dataFormat ?? 'NHWC') === 'NHWC';
}

function undilated(info: tf.backend_util.Conv2DInfo): boolean {
  return info.dilationHeight === 1 && info.dilationWidth === 1;
}

export function convKernels(ctx: NativeKernelContext): tf.KernelConfig[] {
  const cpuConv2D = ctx.cpuKernel(tf.Conv2D);
  const cpuBackpropInput = ctx.cpuKernel(tf.Conv2DBackpropInput);
  const cpuBackpropFilter = ctx.cpuKernel(tf.Conv2DBackpropFilter);
  const cpuMaxPool = ctx.cpuKernel(tf.MaxPool);
  const cpuMaxPoolGrad = ctx.cpuKernel(tf.MaxPoolGrad);

  const conv2d: tf.KernelFunc = (raw) => {
    const { inputs, backend, attrs } = asKernelArgs(raw);
    const x = inputs.x!;
    const filter = inputs.filter!;
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as tf.Conv2DAttrs;
    if (!allFloat32(x, filter) || !channelsLast(dataFormat)) return cpuConv2D(raw);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4D, filter.shape as Shape4D, strides, dilations, pad, dimRoundingMode);
    if (!undilated(info)) return cpuConv2D(raw);
    const y = new Float32Array(tf.util.sizeFromShape(info.outShape));
    ctx.addon.conv2d(f32(backend, x), f32(backend, filter), y, convShape(info));
    return output(backend, info.outShape, y);
  };

  const conv2dBackpropInput: tf.KernelFunc = (raw) => {
    const { inputs, backend, attrs } = asKernelArgs(raw);
    const dy = inputs.dy!;
    const filter = inputs.filter!;
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropInputAttrs;
    if (!allFloat32(dy, filter) || !channelsLast(dataFormat)) return cpuBackpropInput(raw);
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4D, strides, 1, pad, dimRoundingMode);
    const dx = new Float32Array(tf.util.sizeFromShape(info.inShape));
    ctx.addon.conv2dBackpropInput(f32(backend, dy), f32(backend, filter), dx, convShape(info));
    return output(backend, info.inShape, dx);
  };

  const conv2dBackpropFilter: tf.KernelFunc = (raw) => {
    const { inputs, backend, attrs } = asKernelArgs(raw);
    const x = inputs.x!;
    const dy = inputs.dy!;
    const { filterShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
    if (!allFloat32(x, dy) || !channelsLast(dataFormat)) return cpuBackpropFilter(raw);
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4D, filterShape, strides, 1, pad, dimRoundingMode);
    const dFilter = new Float32Array(tf.util.sizeFromShape(info.filterShape));
    ctx.addon.conv2dBackpropFilter(f32(backend, x), f32(backend, dy), dFilter, convShape(info));
    return output(backend, info.filterShape, dFilter);
  };

  const maxPool: tf.KernelFunc = (raw) => {
    const { inputs, backend, attrs } = asKernelArgs(raw);
    const x = inputs.x!;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolAttrs;
    if (!allFloat32(x)) return cpuMaxPool(raw);
    const info = tf.backend_util.computePool2DInfo(x.shape as Shape4D, filterSize, strides, 1, pad, dimRoundingMode);
    // A 1×1 window over the same grid is the identity in tfjs (NaN passes, where a max would drop it).
    if (info.filterHeight === 1 && info.filterWidth === 1 && tf.util.arraysEqual(info.inShape, info.outShape)) return cpuMaxPool(raw);
    const y = new Float32Array(tf.util.sizeFromShape(info.outShape));
    ctx.addon.maxPool(f32(backend, x), y, poolShape(info));
    return output(backend, info.outShape, y);
  };

  const maxPoolGrad: tf.KernelFunc = (raw) => {
    const { inputs, backend, attrs } = asKernelArgs(raw);
    const dy = inputs.dy!;
    const x = inputs.input!;
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    if (!allFloat32(dy, x)) return cpuMaxPoolGrad(raw);
    const info = tf.backend_util.computePool2DInfo(x.shape as Shape4D, filterSize, strides, 1, pad, dimRoundingMode);
    const dx = new Float32Array(tf.util.sizeFromShape(x.shape));
    ctx.addon.maxPoolGrad(f32(backend, x), f32(backend, dy), dx, poolShape(info));
    return output(backend, x.shape, dx);
  };

  return [
    nativeKernel(tf.Conv2D, conv2d),
    nativeKernel(tf.Conv2DBackpropInput, conv2dBackpropInput),
    nativeKernel(tf.Conv2DBackpropFilter, conv2dBackpropFilter),
    nativeKernel(tf.MaxPool, maxPool),
    nativeKernel(tf.MaxPoolGrad, maxPoolGrad),
    ...convFusedKernels(ctx),
  ];
}
