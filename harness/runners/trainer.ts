/**
 * The trainer a runner calls. The real one (trainers/train.ts) is imported only when a run is
 * about to train, so `validate`, `plan`, `verify` and `report` never load tfjs. The end-to-end
 * tests set RIGL_HARNESS_FAKE_TRAINER=1 to get the deterministic fake (fake-trainer.ts) instead.
 */
import type { TrainRun } from '../../trainers/train-api.ts';
import { trainerVersion } from '../../trainers/version.ts';
import { fakeTrainerVersion } from './fake-trainer.ts';

export const FAKE_TRAINER_ENV = 'RIGL_HARNESS_FAKE_TRAINER';

export function usesFakeTrainer(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[FAKE_TRAINER_ENV] === '1';
}

export async function loadTrainer(env: NodeJS.ProcessEnv = process.env): Promise<TrainRun> {
  if (usesFakeTrainer(env)) return (await import('./fake-trainer.ts')).fakeTrainRun;
  return (await import('../../trainers/train.ts')).trainRun;
}

/** The version of the trainer `loadTrainer` gives: what stored runs are judged stale against. */
export function activeTrainerVersion(env: NodeJS.ProcessEnv = process.env): string {
  return usesFakeTrainer(env) ? fakeTrainerVersion() : trainerVersion();
}
