/**
 * Learning-rate schedules (TrainingSpec.learningRate): a pure function of the global step.
 *
 * Epoch-based schedules change at epoch boundaries, as PyTorch's per-epoch LR schedulers do (the
 * fmnist recipe: 0.1 for epochs 0–9, 0.01 for 10–14, 0.001 for 15–19). Warm-up is linear in the
 * step: lr · (g + 1) / warmupSteps for g < warmupSteps (report code, CIFAR-100 and Pruning runs;
 * rigl-spec §6.1–6.2).
 */
import type { LearningRateSchedule } from './run-manifest.ts';

export interface LearningRateConfig {
  initial: number;
  schedule: LearningRateSchedule;
  warmupSteps: number;
}

export interface StepPosition {
  /** Global step g, 0-based. */
  step: number;
  /** Steps in one epoch (the last partial batch included when kept). */
  stepsPerEpoch: number;
  totalSteps: number;
}

/** The learning rate used for the optimizer step at `position.step`. */
export function learningRateAt(config: LearningRateConfig, position: StepPosition): number {
  const { step, stepsPerEpoch, totalSteps } = position;
  const epoch = Math.floor(step / stepsPerEpoch);
  const schedule = config.schedule;
  let lr: number;
  switch (schedule.kind) {
    case 'constant':
      lr = config.initial;
      break;
    case 'piecewise': {
      const t = schedule.unit === 'epoch' ? epoch : step;
      let i = 0;
      while (i < schedule.boundaries.length && t >= schedule.boundaries[i]!) i++;
      const value = schedule.values[i];
      if (value === undefined) {
        throw new RangeError(
          `piecewise schedule has ${schedule.values.length} values for ${schedule.boundaries.length} boundaries; expected ${schedule.boundaries.length + 1}`,
        );
      }
      lr = value;
      break;
    }
    case 'step-decay': {
      const t = schedule.unit === 'epoch' ? epoch : step;
      lr = config.initial * Math.pow(schedule.gamma, Math.floor(t / schedule.every));
      break;
    }
    case 'cosine':
      lr = 0.5 * config.initial * (1 + Math.cos((Math.PI * step) / totalSteps));
      break;
  }
  if (config.warmupSteps > 0 && step < config.warmupSteps) {
    lr *= (step + 1) / config.warmupSteps;
  }
  return lr;
}
