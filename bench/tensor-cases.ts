/**
 * Running the tfjs cases (training steps, mask update) of one process: activate the case's
 * backend with the trainer's selectBackend, build the case, time it, dispose it, and check that the
 * timed calls leaked no tensor (a leak would make later steps slower and the timing meaningless).
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../trainers/backends/index.ts';
import type { BackendProvenance } from '../trainers/run-summary.ts';
import { STEP_BATCH, type BackendTarget, type BenchCaseDefinition, type IterationPlan } from './catalogue.ts';
import { createMaskUpdateCase, createStepCase, type TimedCase } from './cases/training-steps.ts';
import { measure } from './measure.ts';

export type TensorCaseDefinition = Extract<BenchCaseDefinition, { kind: 'step' | 'mask-update' }>;

export interface TensorCaseResult {
  id: string;
  /** Per-call milliseconds, ascending. */
  samplesMs: number[];
  /** The backend as the trainer would record it in a run summary. */
  backend: BackendProvenance;
  /**
   * Tensors alive after the timed calls minus after the case was built: 0 unless a step leaks.
   * (Building and disposing is not checked: buildModel and SgdOptimizer keep the tensor they
   * initialise each variable from, a fixed count per build that does not grow with steps.)
   */
  leakedTensors: number;
  /** RigL steps: the weight layers the timed calls ran through sparse kernels; null for other work. */
  sparseLayers: string[] | null;
}

export function isTensorCase(definition: BenchCaseDefinition): definition is TensorCaseDefinition {
  return definition.kind === 'step' || definition.kind === 'mask-update';
}

/**
 * Makes the target's backend active with the trainer's own selection. The wasm thread count of a
 * process is fixed by its first wasm initialisation (asking for another later is reported in the
 * provenance's `threadsNote`); the native addon's pool is resized on every activation.
 */
export function activateBackend(target: BackendTarget): Promise<BackendProvenance> {
  return selectBackend([target.backend], target.backend === 'cpu' ? 1 : target.threads, null);
}

export function createTimedCase(definition: TensorCaseDefinition, seed: number): Promise<TimedCase> {
  if (definition.kind === 'mask-update') return createMaskUpdateCase(STEP_BATCH, seed);
  return createStepCase(definition.model, definition.batch, {
    seed,
    ...(definition.sparsity === null ? {} : { sparsity: definition.sparsity }),
    ...(definition.maskedPath === null ? {} : { maskedPath: definition.maskedPath }),
  });
}

export async function runTensorCase(definition: TensorCaseDefinition, plan: IterationPlan, seed: number): Promise<TensorCaseResult> {
  const backend = await activateBackend(definition.target);
  const timed = await createTimedCase(definition, seed);
  try {
    const built = tf.memory().numTensors;
    const samplesMs = await measure(definition.id, () => timed.run(), plan, timed.reset);
    return { id: definition.id, samplesMs, backend, leakedTensors: tf.memory().numTensors - built, sparseLayers: timed.sparseLayers?.() ?? null };
  } finally {
    timed.dispose();
  }
}
