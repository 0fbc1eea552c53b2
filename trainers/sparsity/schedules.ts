/**
 * Schedules as small frozen values (after jaxpruner/sparsity_schedules.py): each answers one
 * question — "is step g a mask-update step?", "what drop fraction at g?", "what sparsity at g?".
 * Steps are global optimizer iterations g, 0-based.
 */
import { InvalidRunConfigError } from '../errors.ts';
import type { DropFractionSchedule, UpdateEnd, UpdateStepConvention } from '../run-manifest.ts';

function checkStep(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidRunConfigError(`${what} must be an integer >= 0 but got ${value}`);
  }
}

/**
 * T_end, the first step at which masks may no longer change: an absolute step, or
 * floor(fraction · totalSteps) (recipes.md: 0.75 × 9,380 → 7,035).
 */
export function resolveUpdateEnd(end: UpdateEnd, totalSteps: number): number {
  checkStep(totalSteps, "'totalSteps'");
  switch (end.kind) {
    case 'step':
      checkStep(end.step, "'end.step'");
      return end.step;
    case 'fraction':
      if (!(end.fraction > 0 && end.fraction <= 1)) {
        throw new InvalidRunConfigError(`'end.fraction' must be in (0, 1] but got ${end.fraction}`);
      }
      // The small snap keeps 0.75 · 9380 = 7035 from flooring to 7034 if the product lands below.
      return Math.floor(end.fraction * totalSteps + 1e-9);
  }
}

/** Which steps update masks: every ΔT steps, by the manifest's convention, for g < T_end. */
export interface UpdateCadence {
  readonly intervalSteps: number;
  readonly endStep: number;
  readonly convention: UpdateStepConvention;
  isUpdateStep(step: number): boolean;
  /** All update steps in ascending order. */
  updateSteps(): number[];
}

/**
 * - 'after-interval': (g + 1) % ΔT == 0 && g < T_end — the report's code [REPC: main.py › train]
 *   and the fmnist recipe (g = 99, 199, …);
 * - 'at-multiples': g % ΔT == 0 && g < T_end — the authors' TF code, whose first update is at
 *   g = 0 [GR: sparse_optimizers_base.py › is_mask_update_iter] (rigl-spec §2.1). The TF code also
 *   updates at g = T_end when ΔT divides it; with the cosine drop fraction that update drops 0.
 */
export function makeUpdateCadence(
  intervalSteps: number,
  endStep: number,
  convention: UpdateStepConvention,
): UpdateCadence {
  if (!Number.isInteger(intervalSteps) || intervalSteps < 1) {
    throw new InvalidRunConfigError(`'intervalSteps' must be an integer >= 1 but got ${intervalSteps}`);
  }
  checkStep(endStep, "'endStep'");
  const offset = convention === 'after-interval' ? 1 : 0;
  const isUpdateStep = (step: number): boolean =>
    Number.isInteger(step) && step >= 0 && step < endStep && (step + offset) % intervalSteps === 0;
  return Object.freeze({
    intervalSteps,
    endStep,
    convention,
    isUpdateStep,
    updateSteps(): number[] {
      const steps: number[] = [];
      for (let g = convention === 'after-interval' ? intervalSteps - 1 : 0; g < endStep; g += intervalSteps) steps.push(g);
      return steps;
    },
  });
}

/** The drop fraction f(g) of the dynamic methods. */
export interface DropFraction {
  readonly endStep: number;
  at(step: number): number;
}

/**
 * constant: f(g) = value; cosine: f(g) = α/2 · (1 + cos(π g / T_end)) (rigl-spec §2.1, Eq. 1);
 * both 0 at and after T_end (TF `cosine_decay` clips g at T_end, where the cosine is 0).
 */
export function makeDropFraction(spec: DropFractionSchedule, endStep: number): DropFraction {
  checkStep(endStep, "'endStep'");
  const start = spec.kind === 'constant' ? spec.value : spec.initial;
  if (!(start >= 0 && start <= 1)) {
    const field = spec.kind === 'constant' ? 'value' : 'initial';
    throw new InvalidRunConfigError(`'dropFraction.${field}' must be in [0, 1] but got ${start}`);
  }
  const at =
    spec.kind === 'constant'
      ? (step: number) => (step < endStep ? start : 0)
      : (step: number) => (step < endStep ? (start / 2) * (1 + Math.cos((Math.PI * step) / endStep)) : 0);
  return Object.freeze({ endStep, at });
}

/** Gradual magnitude pruning's target sparsity s(g) (Zhu & Gupta 2017; rigl-spec §3.6). */
export interface CubicSparsitySchedule {
  readonly initialSparsity: number;
  readonly finalSparsity: number;
  readonly startStep: number;
  readonly endStep: number;
  /** The last pruning step; s is pinned to s_f there (recipes.md: it "reaches s_f to the weight"). */
  readonly lastPruningStep: number | null;
  sparsityAt(step: number): number;
}

/**
 * s(g) = s_f + (s_i − s_f) · (1 − (g − t0)/(t_end − t0))^3, s_i before t0 and s_f from t_end on.
 * At the last pruning step the value is s_f exactly: the formula there misses s_f by
 * (ΔT/(t_end − t0))^3 of a relative step (36/6,335 cubed in the fmnist recipe, which rounds to the
 * same weight count), and every source means the run to end at its target.
 */
export function makeCubicSparsitySchedule(options: {
  initialSparsity: number;
  finalSparsity: number;
  startStep: number;
  endStep: number;
  lastPruningStep: number | null;
}): CubicSparsitySchedule {
  const { initialSparsity, finalSparsity, startStep, endStep, lastPruningStep } = options;
  if (!(initialSparsity >= 0 && initialSparsity < 1)) {
    throw new InvalidRunConfigError(`'initialSparsity' must be in [0, 1) but got ${initialSparsity}`);
  }
  if (!(finalSparsity >= initialSparsity && finalSparsity < 1)) {
    throw new InvalidRunConfigError(
      `the final sparsity must be in [initialSparsity = ${initialSparsity}, 1) but got ${finalSparsity}`,
    );
  }
  checkStep(startStep, "'startStep'");
  checkStep(endStep, "'end'");
  if (endStep <= startStep) {
    throw new InvalidRunConfigError(`the pruning end step (${endStep}) must be after 'startStep' (${startStep})`);
  }
  const sparsityAt = (step: number): number => {
    if (lastPruningStep !== null && step >= lastPruningStep) return finalSparsity;
    if (step <= startStep) return initialSparsity;
    if (step >= endStep) return finalSparsity;
    const remaining = 1 - (step - startStep) / (endStep - startStep);
    return finalSparsity + (initialSparsity - finalSparsity) * remaining ** 3;
  };
  return Object.freeze({ initialSparsity, finalSparsity, startStep, endStep, lastPruningStep, sparsityAt });
}
