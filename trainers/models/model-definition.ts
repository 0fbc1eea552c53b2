/** What each model file exports: a pure plan and a forward pass over the plan's variables. */
import type * as tf from '@tensorflow/tfjs-core';
import type { RandomKeyPart } from '../random.ts';
import type { ModelSpec } from '../run-manifest.ts';
import type { VariableLookup } from './ops.ts';
import type { ModelPlan } from './plan.ts';
import type { InputShape } from './types.ts';

export type ForwardPass = (
  x: tf.Tensor4D,
  vars: VariableLookup,
  training: boolean,
  dropoutKey: readonly RandomKeyPart[] | undefined,
) => tf.Tensor2D;

/**
 * One fully connected layer of a dense chain: logits = the layers applied in order to the flattened
 * input, y = act(x·w + b) each, and nothing else (no dropout, no normalisation, no state). A model
 * that is such a chain says so (ModelDefinition.denseChain), so that the native backend can run a
 * whole training step of it without tfjs's autograd (backends/native/dense-chain-step.ts).
 */
export interface DenseChainLink {
  /** The weight layer's name (masks and layouts are keyed by it). */
  layer: string;
  /** Parameter names: weight [inputs, outputs] and bias [outputs]. */
  weight: string;
  bias: string;
  activation: 'relu' | 'none';
}

export interface ModelDefinition<S extends ModelSpec> {
  /** Parameters, state and weight layers, without tensors; throws InvalidRunConfigError on a bad spec. */
  plan(spec: S, input: InputShape, numClasses: number): ModelPlan;
  /** The forward pass for the same spec and input (plan() has validated them). */
  forward(spec: S, input: InputShape, numClasses: number): ForwardPass;
  /** Only for a model whose forward pass is exactly this chain (see DenseChainLink). */
  denseChain?(spec: S, input: InputShape, numClasses: number): DenseChainLink[];
}
