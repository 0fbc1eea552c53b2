/**
 * Softmax cross-entropy as one kernel (and one for its gradient) on the native backend, instead of
 * the dozen small ops of the composite in trainers/train-loop.ts (logSoftmax, oneHot, mul, sum,
 * mean, neg and their gradients), each paying tfjs's per-op cost on a [batch, classes] tensor.
 * Plain TypeScript: the tensors are small. Same definition as the composite, PyTorch's label
 * smoothing: target = (1−ε)·onehot + ε/K; loss = −mean_b Σ_k target·log softmax(logits).
 */
import * as tf from '@tensorflow/tfjs-core';
import { asKernelArgs, f32, i32, nativeKernel, output } from './kernel-support.ts';

export const SOFTMAX_CROSS_ENTROPY = 'RiglSoftmaxCrossEntropy';
export const SOFTMAX_CROSS_ENTROPY_GRAD = 'RiglSoftmaxCrossEntropyGrad';

/** Per row: log Σ exp(x − max) + max, i.e. logsumexp, in double precision. */
function logSumExp(x: Float32Array, row: number, classes: number): number {
  let max = -Infinity;
  for (let k = 0; k < classes; k++) max = Math.max(max, x[row * classes + k]!);
  let sum = 0;
  for (let k = 0; k < classes; k++) sum += Math.exp(x[row * classes + k]! - max);
  return Math.log(sum) + max;
}

function targetOf(label: number, k: number, classes: number, smoothing: number): number {
  return (k === label ? 1 - smoothing : 0) + smoothing / classes;
}

/**
 * The mean loss over `batch` rows of logits [batch, classes], rounded to float32 as the kernel's
 * scalar output is. Shared by the kernel and the native fused training step (dense-chain-step.ts).
 */
export function softmaxCrossEntropyValue(logits: Float32Array, labels: Int32Array, batch: number, classes: number, smoothing: number): number {
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const lse = logSumExp(logits, b, classes);
    for (let k = 0; k < classes; k++) total -= targetOf(labels[b]!, k, classes, smoothing) * (logits[b * classes + k]! - lse);
  }
  return Math.fround(total / batch);
}

/** d loss / d logits for an upstream gradient dy, written to dx [batch, classes]. */
export function softmaxCrossEntropyGradient(
  logits: Float32Array,
  labels: Int32Array,
  batch: number,
  classes: number,
  smoothing: number,
  dy: number,
  dx: Float32Array,
): void {
  for (let b = 0; b < batch; b++) {
    const lse = logSumExp(logits, b, classes);
    for (let k = 0; k < classes; k++) {
      const p = Math.exp(logits[b * classes + k]! - lse);
      dx[b * classes + k] = ((p - targetOf(labels[b]!, k, classes, smoothing)) * dy) / batch;
    }
  }
}

const forward: tf.KernelFunc = (raw) => {
  const { inputs, backend, attrs } = asKernelArgs(raw);
  const logits = inputs.logits!;
  const [batch, classes] = logits.shape as [number, number];
  const value = softmaxCrossEntropyValue(f32(backend, logits), i32(backend, inputs.labels!), batch, classes, attrs!.labelSmoothing as number);
  return output(backend, [], Float32Array.of(value));
};

const backward: tf.KernelFunc = (raw) => {
  const { inputs, backend, attrs } = asKernelArgs(raw);
  const logits = inputs.logits!;
  const [batch, classes] = logits.shape as [number, number];
  const dx = new Float32Array(batch * classes);
  const dy = f32(backend, inputs.dy!)[0]!;
  softmaxCrossEntropyGradient(f32(backend, logits), i32(backend, inputs.labels!), batch, classes, attrs!.labelSmoothing as number, dy, dx);
  return output(backend, [batch, classes], dx);
};

export function lossKernels(): tf.KernelConfig[] {
  return [nativeKernel(SOFTMAX_CROSS_ENTROPY, forward), nativeKernel(SOFTMAX_CROSS_ENTROPY_GRAD, backward)];
}

tf.registerGradient({
  kernelName: SOFTMAX_CROSS_ENTROPY,
  inputsToSave: ['logits', 'labels'],
  gradFunc: (dy, saved, attrs) => {
    const [logits, labels] = saved as [tf.Tensor, tf.Tensor];
    return {
      logits: () => tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY_GRAD, { dy: dy as tf.Tensor, logits, labels }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor,
      labels: () => tf.zerosLike(labels),
    };
  },
});

/** Mean softmax cross-entropy of int32 `labels` as one native kernel (the native backend must be active). */
export function nativeSoftmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, labelSmoothing: number): tf.Scalar {
  return tf.engine().runKernel(SOFTMAX_CROSS_ENTROPY, { logits, labels }, { labelSmoothing }) as tf.Scalar;
}
