/**
 * relu(conv2d(x, w) + b) on the native backend as one kernel, RiglNativeConvBiasRelu: the addon's
 * convolution (native/src/conv.cc), then bias and ReLU in place over the NHWC output read as a
 * [N·H·W, C] matrix (the dense layer's denseBiasActivation, native/src/sparse.cc). Separately the
 * three ops cost an Add, a Relu and, backward, a Step, a Multiply and a ones-vector matMul for db,
 * each a full pass over (and a fresh allocation of) the activation: on LeNet-5-Caffe's conv1
 * (128×24×24×20) about as long as the convolution itself.
 *
 * Its gradient (tf.registerGradient, saving x, w and y) computes g = dy where y > 0 (else 0) and
 * db = Σ over pixels of g in one pass (denseBackwardPrologue), then dx and dw are the ordinary
 * Conv2DBackpropInput / Conv2DBackpropFilter kernels on g, one closure per input, so tfjs computes
 * only those it needs (the first layer's input is data: no dx).
 * Registered on 'native' only; models call `convBiasRelu` (below), which keeps the three separate ops
 * on every other backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { convShape } from './conv-bindings.ts';
import { type NativeKernelContext, allFloat32, asKernelArgs, f32, nativeKernel, output } from './kernel-support.ts';

/** y = relu(conv2d(x, filter) + bias); inputs x, filter, bias; attrs { strides, pad } as tf.conv2d's. */
export const NATIVE_CONV_BIAS_RELU = 'RiglNativeConvBiasRelu';
/** Inputs dy, y (the output above); outputs [g = dy ⊙ (y > 0), db = Σ_pixels g]. */
export const NATIVE_CONV_BIAS_RELU_BACKWARD = 'RiglNativeConvBiasReluBackward';

type Shape4D = [number, number, number, number];

interface ConvBiasReluAttrs {
  strides: number;
  pad: tf.Conv2DAttrs['pad'];
}

/**
 * relu(conv2d(x, w, stride, pad) + b) through the fused native kernel: NHWC, dilation 1, float32.
 * Call only with 'native' active (kernels of other backends do not exist).
 */
export function nativeConvBiasRelu(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, strides: number, pad: tf.Conv2DAttrs['pad']): tf.Tensor4D {
  if (x.rank !== 4 || w.rank !== 4 || b.rank !== 1) {
    throw new RangeError(`'x', 'w' and 'b' passed to nativeConvBiasRelu() must have ranks 4, 4 and 1 but got ${x.rank}, ${w.rank} and ${b.rank}`);
  }
  if (x.shape[3] !== w.shape[2] || b.shape[0] !== w.shape[3]) {
    throw new RangeError(`shapes passed to nativeConvBiasRelu() must be x [N, H, W, C], w [KH, KW, C, OC], b [OC] but got x [${x.shape}], w [${w.shape}], b [${b.shape}]`);
  }
  const attrs: ConvBiasReluAttrs = { strides, pad };
  return tf.engine().runKernel(NATIVE_CONV_BIAS_RELU, { x, filter: w, bias: b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

let gradientRegistered = false;

function registerConvBiasReluGradient(): void {
  if (gradientRegistered) return;
  gradientRegistered = true;
  tf.registerGradient({
    kernelName: NATIVE_CONV_BIAS_RELU,
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const { strides, pad } = attrs as unknown as ConvBiasReluAttrs;
      const [g, db] = tf.engine().runKernel(NATIVE_CONV_BIAS_RELU_BACKWARD, { dy: dy as tf.Tensor, y }) as [tf.Tensor4D, tf.Tensor1D];
      const convAttrs = { strides, pad, dataFormat: 'NHWC' };
      return {
        x: () =>
          tf.engine().runKernel(tf.Conv2DBackpropInput, { dy: g, filter }, { ...convAttrs, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        filter: () =>
          tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy: g }, { ...convAttrs, filterShape: filter.shape } as unknown as tf.NamedAttrMap) as tf.Tensor,
        bias: () => db,
      };
    },
  });
}

export function convFusedKernels(ctx: NativeKernelContext): tf.KernelConfig[] {
  const { addon } = ctx;
  registerConvBiasReluGradient();

  const forward: tf.KernelFunc = (raw) => {
    const { inputs, backend, attrs } = asKernelArgs(raw);
    const x = inputs.x!;
    const filter = inputs.filter!;
    const bias = inputs.bias!;
    if (!allFloat32(x, filter, bias)) {
      throw new TypeError(`${NATIVE_CONV_BIAS_RELU} needs float32 x, filter and bias but got ${x.dtype}, ${filter.dtype} and ${bias.dtype}`);
    }
    const { strides, pad } = attrs as unknown as ConvBiasReluAttrs;
    const info = tf.backend_util.computeConv2DInfo(x.shape as Shape4D, filter.shape as Shape4D, strides, 1, pad);
    const y = new Float32Array(tf.util.sizeFromShape(info.outShape));
    addon.conv2d(f32(backend, x), f32(backend, filter), y, convShape(info));
    addon.denseBiasActivation(y.length / info.outChannels, info.outChannels, y, f32(backend, bias), true);
    return output(backend, info.outShape, y);
  };

  const backward: tf.KernelFunc = (raw) => {
    const { inputs, backend } = asKernelArgs(raw);
    const dy = inputs.dy!;
    const y = inputs.y!;
    const channels = dy.shape[dy.shape.length - 1]!;
    const rows = tf.util.sizeFromShape(dy.shape) / channels;
    const g = new Float32Array(rows * channels);
    const db = new Float32Array(channels);
    addon.denseBackwardPrologue(rows, channels, f32(backend, dy), f32(backend, y), g, db);
    return [output(backend, dy.shape, g), output(backend, [channels], db)];
  };

  return [nativeKernel(NATIVE_CONV_BIAS_RELU, forward), nativeKernel(NATIVE_CONV_BIAS_RELU_BACKWARD, backward)];
}
