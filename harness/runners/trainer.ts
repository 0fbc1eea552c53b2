/**
 * The trainer a runner calls. The real one (trainers/train.ts) is imported only when a run is
 * about to train, so `validate`, `plan`, `verify` and `report` never load tfjs. The end-to-end
 * tests set RIGL_HARNESS_FAKE_TRAINER=1 to get the deterministic fake (fake-trainer.ts) instead.
 */
import type { TrainRun } from '../../trainers/train-api.ts';

export const FAKE_TRAINER_ENV = 'RIGL_HARNESS_FAKE_TRAINER';

export function usesFakeTrainer(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[FAKE_TRAINER_ENV] === '1';
}

export async function loadTrainer(env: NodeJS.ProcessEnv = process.env): Promise<TrainRun> {
  if (usesFakeTrainer(env)) return (await import('./fake-trainer.ts')).fakeTrainRun;
  return (await import('../../trainers/train.ts')).trainRun;
}
