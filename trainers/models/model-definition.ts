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

export interface ModelDefinition<S extends ModelSpec> {
  /** Parameters, state and weight layers, without tensors; throws InvalidRunConfigError on a bad spec. */
  plan(spec: S, input: InputShape, numClasses: number): ModelPlan;
  /** The forward pass for the same spec and input (plan() has validated them). */
  forward(spec: S, input: InputShape, numClasses: number): ForwardPass;
}
