/**
 * The model contract between trainers/models/ (which builds networks) and the rest of the trainer
 * (sparse methods, FLOP counting, the training loop). `describeModel` is pure (no tensors), so the
 * harness can count parameters and FLOPs for `plan` without a backend.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { SparseLayout } from '../backends/native/sparse-layout.ts';

/** Input of a model: one example's shape in NHWC without the batch dimension, e.g. [28, 28, 1]. */
export interface InputShape {
  height: number;
  width: number;
  channels: number;
}

/** A layer with a weight tensor that a sparse method may mask (dense or conv kernels). */
export interface WeightLayerDescription {
  /** Stable name, also the mask's name in manifests and summaries, e.g. "fc1", "block2.0.conv1". */
  name: string;
  kind: 'dense' | 'conv2d';
  /** tfjs layout: dense [in, out]; conv2d [kh, kw, in, out]. */
  shape: number[];
  /** Output height × width per example (1 for dense layers): conv FLOPs scale with it. */
  outputPositions: number;
  /** Dense forward FLOPs per example: 2 · prod(shape) · outputPositions (multiply-adds × 2). */
  denseForwardFlops: number;
}

export interface ModelDescription {
  /** Every dense/conv weight, in forward order. All of them are maskable; distributions may keep some dense. */
  weightLayers: WeightLayerDescription[];
  /** All trainable parameters (weights, biases, batch-norm scale/offset). */
  parameterCount: number;
  /** Σ prod(shape) over weightLayers. */
  weightCount: number;
  /** Σ denseForwardFlops over weightLayers (what the papers count; rigl-spec §5). */
  denseForwardFlops: number;
}

export type ParamRole = 'weight' | 'bias' | 'norm';

export interface ModelParam {
  /** Unique name, e.g. "fc1.weight", "fc1.bias", "block1.0.bn1.gamma". */
  name: string;
  role: ParamRole;
  /** For role 'weight': the WeightLayerDescription.name this variable holds. */
  layer: string | null;
  variable: tf.Variable;
}

/** A DenseChainLink (model-definition.ts) with its variables. */
export interface DenseChainLayer {
  layer: string;
  weight: ModelParam;
  bias: ModelParam;
  activation: 'relu' | 'none';
}

export interface TrainableModel {
  description: ModelDescription;
  params: ModelParam[];
  /**
   * Present when the logits are a chain of fully connected layers on the flattened input and
   * nothing else (an MLP): the layers in forward order. The native backend's fused training step
   * (backends/native/dense-chain-step.ts) runs such a model without tfjs's autograd.
   */
  denseChain?: readonly DenseChainLayer[];
  /** Non-trainable state saved in checkpoints (batch-norm running mean and variance). */
  state: { name: string; variable: tf.Variable }[];
  /**
   * Logits for a batch x of shape [n, h, w, c] (MLPs flatten inside). `training` turns on dropout
   * and batch statistics; `dropoutKey` keys the dropout draws (seed, step) when training.
   * `layouts` (by weight-layer name; trainers/step-layouts.ts) lets masked dense layers run sparse
   * kernels on the native backend; absent = dense products everywhere.
   */
  apply(
    x: tf.Tensor4D,
    training: boolean,
    dropoutKey?: readonly (string | number)[],
    layouts?: ReadonlyMap<string, SparseLayout>,
  ): tf.Tensor2D;
  dispose(): void;
}
