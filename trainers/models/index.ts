/**
 * The models (rigl-spec §6): `describeModel` (pure: shapes, counts, FLOPs, for `plan`) and
 * `buildModel` (variables initialised from the keyed generator, and the forward pass). Both derive
 * from one plan per model, so a description always matches the model built from the same spec.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SparseLayout } from '../backends/native/sparse-layout.ts';
import { InvalidRunConfigError, TrainerInvariantError } from '../errors.ts';
import type { RandomKeyPart } from '../random.ts';
import type { ModelName, ModelSpec } from '../run-manifest.ts';
import { initialValues } from './init.ts';
import { lenet5Caffe } from './lenet5-caffe.ts';
import type { ModelDefinition } from './model-definition.ts';
import { mlp } from './mlp.ts';
import type { VariableLookup } from './ops.ts';
import { type ModelPlan, requirePositiveInteger, sizeOf } from './plan.ts';
import { resnet50Cifar } from './resnet50-cifar.ts';
import type { InputShape, ModelDescription, ModelParam, TrainableModel } from './types.ts';
import { wrn } from './wrn.ts';

/** The only list of models; an unknown name says which exist. */
const MODELS: { [K in ModelName]: ModelDefinition<Extract<ModelSpec, { name: K }>> } = {
  mlp,
  'lenet5-caffe': lenet5Caffe,
  wrn,
  'resnet50-cifar': resnet50Cifar,
};

export const MODEL_NAMES = Object.keys(MODELS) as ModelName[];

function definitionOf(spec: ModelSpec): ModelDefinition<ModelSpec> {
  const definition = (MODELS as Record<string, ModelDefinition<ModelSpec> | undefined>)[spec.name];
  if (definition === undefined) {
    throw new InvalidRunConfigError(`unknown model '${String(spec.name)}'; known models are ${MODEL_NAMES.join(', ')}`);
  }
  return definition;
}

function checkInput(input: InputShape): void {
  requirePositiveInteger('input height', input.height);
  requirePositiveInteger('input width', input.width);
  requirePositiveInteger('input channels', input.channels);
}

function planOf(spec: ModelSpec, input: InputShape, numClasses: number): ModelPlan {
  checkInput(input);
  return definitionOf(spec).plan(spec, input, numClasses);
}

function describePlan(plan: ModelPlan): ModelDescription {
  return {
    weightLayers: plan.weightLayers.map((l) => ({ ...l, shape: [...l.shape] })),
    parameterCount: plan.params.reduce((sum, p) => sum + sizeOf(p.shape), 0),
    weightCount: plan.weightLayers.reduce((sum, l) => sum + sizeOf(l.shape), 0),
    denseForwardFlops: plan.weightLayers.reduce((sum, l) => sum + l.denseForwardFlops, 0),
  };
}

/** Shapes, parameter and weight counts and dense forward FLOPs of a model, without tensors. */
export function describeModel(spec: ModelSpec, input: InputShape, numClasses: number): ModelDescription {
  return describePlan(planOf(spec, input, numClasses));
}

/**
 * Builds the model: one tf.Variable per parameter, initialised on the host from the keyed
 * generator (seed, 'init', parameter name), and batch-norm running statistics as non-trainable state.
 */
export function buildModel(spec: ModelSpec, input: InputShape, numClasses: number, seed: number): TrainableModel {
  const plan = planOf(spec, input, numClasses);
  const forward = definitionOf(spec).forward(spec, input, numClasses);
  const params: ModelParam[] = plan.params.map((p) => ({
    name: p.name,
    role: p.role,
    layer: p.layer,
    // tidy disposes the initial tensor; the variable keeps its own reference to the data.
    variable: tf.tidy(() => tf.variable(tf.tensor(initialValues(seed, p.name, p.shape, p.init), p.shape), true)),
  }));
  const state = plan.state.map((s) => ({
    name: s.name,
    variable: tf.tidy(() => tf.variable(tf.fill(s.shape, s.value), false)),
  }));
  const paramsByName = new Map(params.map((p) => [p.name, p.variable]));
  const paramRecord = (name: string): ModelParam => {
    const p = params.find((q) => q.name === name);
    if (p === undefined) throw new TrainerInvariantError(`model '${spec.name}' has no parameter '${name}' for its dense chain`);
    return p;
  };
  const denseChain = definitionOf(spec)
    .denseChain?.(spec, input, numClasses)
    .map((link) => ({ layer: link.layer, weight: paramRecord(link.weight), bias: paramRecord(link.bias), activation: link.activation }));
  const stateByName = new Map(state.map((s) => [s.name, s.variable]));
  // The layouts of the apply() call in progress (read by `dense` through vars.sparseLayout).
  let activeLayouts: ReadonlyMap<string, SparseLayout> | undefined;
  const vars: VariableLookup = {
    param(name) {
      const v = paramsByName.get(name);
      if (v === undefined) throw new TrainerInvariantError(`model '${spec.name}' has no parameter '${name}'`);
      return v;
    },
    state(name) {
      const v = stateByName.get(name);
      if (v === undefined) throw new TrainerInvariantError(`model '${spec.name}' has no state '${name}'`);
      return v;
    },
    sparseLayout(layer) {
      return activeLayouts?.get(layer);
    },
  };
  let disposed = false;
  return {
    description: describePlan(plan),
    params,
    ...(denseChain === undefined ? {} : { denseChain }),
    state,
    apply(x: tf.Tensor4D, training: boolean, dropoutKey?: readonly RandomKeyPart[], layouts?: ReadonlyMap<string, SparseLayout>): tf.Tensor2D {
      if (disposed) throw new TrainerInvariantError(`apply() called on a disposed '${spec.name}' model`);
      const [, h, w, c] = x.shape;
      if (x.rank !== 4 || h !== input.height || w !== input.width || c !== input.channels) {
        throw new InvalidRunConfigError(
          `'${spec.name}' was built for inputs [n, ${input.height}, ${input.width}, ${input.channels}] but apply() got [${x.shape}]`,
        );
      }
      activeLayouts = layouts;
      try {
        return tf.tidy(() => forward(x, vars, training, dropoutKey));
      } finally {
        activeLayouts = undefined;
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of params) p.variable.dispose();
      for (const s of state) s.variable.dispose();
    },
  };
}
