/**
 * Building blocks of the models' forward passes, in PyTorch's conventions (the report's code is
 * PyTorch): symmetric conv padding, batch norm with momentum 0.1 and eps 1e-5, inverted dropout.
 */
import * as tf from '@tensorflow/tfjs-core';
import { denseMatMul } from '../backends/dense-matmul.ts';
import { NATIVE_BACKEND_NAME } from '../backends/native/kernel-support.ts';
import { type DenseActivation, nativeDense } from '../backends/native/sparse-kernels.ts';
import type { SparseLayout } from '../backends/native/sparse-layout.ts';
import { InvalidRunConfigError, TrainerInvariantError } from '../errors.ts';
import { type RandomKeyPart, keyedRandom } from '../random.ts';

/** Variables of a built model by parameter/state name. */
export interface VariableLookup {
  param(name: string): tf.Variable;
  state(name: string): tf.Variable;
  /**
   * The compressed mask of a masked dense layer's weight (by layer name, e.g. "fc1") for this
   * forward pass, when the step runs sparse kernels; undefined = use the dense product.
   */
  sparseLayout?(layer: string): SparseLayout | undefined;
}

/** PyTorch nn.BatchNorm2d defaults. */
export const BATCH_NORM_MOMENTUM = 0.1;
export const BATCH_NORM_EPSILON = 1e-5;

/**
 * Convolution with PyTorch's symmetric zero padding `pad` on each side. (tfjs 'same' pads
 * asymmetrically with stride 2 — top 0, bottom 1 on 32×32 — which shifts the sampling grid.)
 */
export function conv2d(x: tf.Tensor4D, w: tf.Variable | tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  const padding =
    pad === 0
      ? 'valid'
      : ([
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ] as tf.backend_util.ExplicitPadding);
  return tf.conv2d(x, w as tf.Tensor4D, stride, padding);
}

export interface DenseOptions {
  /** false when x is data (the first layer): its gradient is never needed. Default true. */
  inputGradient?: boolean;
  /** Applied after the bias; fused into the layer's kernel on the native backend. Default 'none'. */
  activation?: DenseActivation;
  /**
   * The mask structure of a masked w whose inactive entries are 0 (VariableLookup.sparseLayout):
   * the native backend then multiplies over the active entries only. Ignored on other backends,
   * where the zeros in w do the masking.
   */
  layout?: SparseLayout | undefined;
}

/**
 * act(x·W + b). On the native backend (with a bias) one fused kernel, sparse when given a layout
 * (backends/native/sparse-kernels.ts); elsewhere denseMatMul's transpose-free backward, the bias
 * and the activation as separate ops.
 */
export function dense(x: tf.Tensor2D, w: tf.Variable, b: tf.Variable | null, options: DenseOptions = {}): tf.Tensor2D {
  const activation = options.activation ?? 'none';
  if (b !== null && tf.getBackend() === NATIVE_BACKEND_NAME) {
    return nativeDense(x, w as unknown as tf.Tensor2D, b as unknown as tf.Tensor1D, activation, options.layout, options.inputGradient ?? true);
  }
  const y = denseMatMul(x, w as unknown as tf.Tensor2D, { inputGradient: options.inputGradient ?? true });
  const biased = b === null ? y : addChannelBias(y, b);
  return activation === 'relu' ? tf.relu(biased) : biased;
}

/**
 * Σ over every axis but the last: t [..., C] → [C], computed as ones[1, M] · t[M, C]. A plain
 * (non-transposed) matMul runs on XNNPACK in tfjs-backend-wasm, whose Sum kernel first transposes
 * the reduced axes to the end with its slow Transpose.
 */
export function channelSum(t: tf.Tensor): tf.Tensor1D {
  const channels = t.shape[t.rank - 1]!;
  const rows = t.size / channels;
  return tf.reshape(tf.matMul(tf.ones([1, rows]), tf.reshape(t, [rows, channels])), [channels]);
}

/** x + b over the last axis, with db = channelSum(dy) (see channelSum for why). */
export function addChannelBias<T extends tf.Tensor>(x: T, b: tf.Variable | tf.Tensor1D): T {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, bs] = args as [tf.Tensor, tf.Tensor];
    return { value: tf.add(xs, bs), gradFunc: (dy: tf.Tensor) => [dy, channelSum(dy)] };
  });
  return f(x, b) as T;
}

/**
 * Batch norm in training mode over N, H, W with its closed-form backward pass (Ioffe & Szegedy 2015):
 *   x̂ = (x − μ)/√(σ² + ε), y = γ·x̂ + β, μ and biased σ² over the M = N·H·W values per channel;
 *   dβ = Σ dy, dγ = Σ dy·x̂, dx = γ/(M·√(σ² + ε)) · (M·dy − dβ − x̂·dγ).
 * tfjs's own path (moments + FusedBatchNorm and their gradients) tiles a [C] vector to the full
 * activation shape and reduces over leading axes, both slow on wasm. `onStats(μ, σ²)` receives the
 * batch statistics for the running averages.
 */
function batchNormTraining(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  onStats: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor4D {
  const count = x.shape[0] * x.shape[1] * x.shape[2];
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xs, g, b, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.div(channelSum(xs), count) as tf.Tensor1D;
    const centered = tf.sub(xs, mean);
    const variance = tf.div(channelSum(tf.square(centered)), count) as tf.Tensor1D;
    const invStd = tf.rsqrt(tf.add(variance, BATCH_NORM_EPSILON)) as tf.Tensor1D;
    const normalized = tf.mul(centered, invStd);
    onStats(mean, variance);
    save([normalized, invStd, g]);
    return {
      value: tf.add(tf.mul(normalized, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xHat, s, gs] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D];
        const dBeta = channelSum(dy);
        const dGamma = channelSum(tf.mul(dy, xHat));
        const scale = tf.div(tf.mul(gs, s), count);
        const dx = tf.mul(scale, tf.sub(tf.sub(tf.mul(dy, count), dBeta), tf.mul(xHat, dGamma)));
        return [dx, dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor4D;
}

/**
 * Batch norm over N, H, W. Training: normalise with the batch mean and biased variance and move the
 * running statistics by momentum 0.1 toward the batch mean and the *unbiased* variance (PyTorch).
 * Evaluation: normalise with the running statistics.
 */
export function batchNorm(x: tf.Tensor4D, vars: VariableLookup, name: string, training: boolean): tf.Tensor4D {
  const gamma = vars.param(`${name}.gamma`) as tf.Tensor1D;
  const beta = vars.param(`${name}.beta`) as tf.Tensor1D;
  const runningMean = vars.state(`${name}.runningMean`);
  const runningVar = vars.state(`${name}.runningVar`);
  if (!training) {
    return tf.batchNorm4d(x, runningMean as tf.Tensor1D, runningVar as tf.Tensor1D, beta, gamma, BATCH_NORM_EPSILON);
  }
  const count = x.shape[0] * x.shape[1] * x.shape[2];
  if (count < 2) {
    throw new InvalidRunConfigError(
      `batch norm '${name}' needs more than 1 value per channel in training but got a batch of ${x.shape[0]} with ${x.shape[1]}×${x.shape[2]} positions`,
    );
  }
  const m = BATCH_NORM_MOMENTUM;
  return batchNormTraining(x, gamma, beta, (mean, variance) => {
    runningMean.assign(tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)));
    runningVar.assign(tf.add(tf.mul(runningVar, 1 - m), tf.mul(variance, (m * count) / (count - 1))));
  });
}

/**
 * Inverted dropout (PyTorch F.dropout): each element is zeroed with probability `rate`, the others
 * scaled by 1/(1 − rate). The mask comes from the keyed generator (key..., site): an element is
 * dropped when its uint32 draw is below rate · 2³².
 */
export function dropout(x: tf.Tensor4D, rate: number, key: readonly RandomKeyPart[] | undefined, site: string): tf.Tensor4D {
  if (rate === 0) return x;
  if (key === undefined) {
    throw new TrainerInvariantError(`dropout at '${site}' needs a dropoutKey when training, but apply() got none`);
  }
  const rng = keyedRandom(...key, site);
  const threshold = rate * 0x100000000;
  const scale = 1 / (1 - rate);
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.nextUint32() < threshold ? 0 : scale;
  return tf.mul(x, tf.tensor4d(mask, x.shape));
}

/** Global average pooling NHWC → NC. */
export function globalAveragePool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}

/** NHWC → [N, H·W·C]. */
export function flatten(x: tf.Tensor4D): tf.Tensor2D {
  return tf.reshape(x, [x.shape[0], -1]);
}
