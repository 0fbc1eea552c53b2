/**
 * The one place the bench meets trainers/step-layouts.ts: the sparse path of a RigL step, used as
 * the training loop uses it (layouts created and refreshed once the initial masks are applied, then
 * asked for the layouts of each step), so the timed step is the loop's own. The bench times steps
 * between mask updates only, so the loop's refresh after an update has no counterpart here.
 */
import type { SparseController } from '../../trainers/methods/types.ts';
import type { TrainableModel } from '../../trainers/models/types.ts';
import { createStepLayouts } from '../../trainers/step-layouts.ts';

/** What `model.apply` takes as its fourth argument on one step (undefined: dense kernels). */
export type StepLayoutsOfStep = ReturnType<ReturnType<typeof createStepLayouts>['forStep']>;

export interface SparsePath {
  /** The layouts the loop passes to `model.apply` at global step `step`. */
  layoutsFor(step: number): StepLayoutsOfStep;
}

/** Call after `controller.applyInitialMasks`. */
export function createSparsePath(model: TrainableModel, controller: SparseController): SparsePath {
  const layouts = createStepLayouts(model, controller);
  layouts.refresh();
  return { layoutsFor: (step) => layouts.forStep(step) };
}

/** The weight layers that run sparse kernels with these layouts, sorted (none: dense everywhere). */
export function sparseLayerNames(layouts: StepLayoutsOfStep): string[] {
  return layouts === undefined ? [] : [...layouts.keys()].sort();
}
