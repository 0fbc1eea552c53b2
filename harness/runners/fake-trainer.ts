/**
 * A deterministic stand-in for trainers/train.ts, used only when RIGL_HARNESS_FAKE_TRAINER=1
 * (the end-to-end tests of test/ set it): it honours the whole TrainRun contract (events,
 * checkpoints every N epochs, resume, interruption, divergence) in milliseconds, without tfjs,
 * and returns synthetic numbers. Its summaries say so: backend version "fake", details.fake "true".
 *
 * Its trainer version is its own (fakeTrainerVersion), so its stored runs are judged current or
 * stale against the fake trainer, not against trainers/.
 *
 * Synthetic accuracy (percent) after the last epoch, for method m at sparsity s and seed k:
 *   BASE[m] − 10·s³ + (0.5 if distribution erk) + 0.2·N(0,1)[keyed on (seed, method, ...)]
 * and epoch e of E reaches final − 5·(1 − e/E).
 *
 * Test hooks (environment):
 *   RIGL_HARNESS_FAKE_EPOCH_MS         sleep per epoch (so a test can interrupt or kill mid-run)
 *   RIGL_HARNESS_FAKE_CRASH_AFTER_EPOCH  SIGKILL this process right after saving that epoch's
 *                                      checkpoint (a crash; a resumed run starts past it)
 * A learning rate ≥ 10 diverges after the first epoch (TrainingDivergedError, exit 4).
 */
import { EventKey, type RunEvent } from '../../trainers/events.ts';
import { TrainingDivergedError, TrainingInterruptedError } from '../../trainers/errors.ts';
import { keyedRandom } from '../../trainers/random.ts';
import type { LayerSummary } from '../../trainers/run-summary.ts';
import type { TrainResult, TrainRunOptions } from '../../trainers/train-api.ts';
import { packageVersion } from '../../trainers/version.ts';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expectedBackend } from './backends.ts';

const BASE_ACCURACY: Record<string, number> = {
  dense: 89.5,
  static: 86,
  set: 87,
  snfs: 88.4,
  rigl: 88,
  'rigl-sg': 88.2,
  'rigl-sm': 88.3,
  gmp: 88.6,
  'small-dense': 85,
};
const STEPS_PER_EPOCH = 10;

let version: string | null = null;

/**
 * "fake-<package version>+<12 hex of this file's sha256>": runs of the fake trainer are current
 * for the fake trainer only, and never pass for the real trainer's results (or the reverse).
 */
export function fakeTrainerVersion(): string {
  version ??= `fake-${packageVersion()}+${createHash('sha256').update(readFileSync(fileURLToPath(import.meta.url))).digest('hex').slice(0, 12)}`;
  return version;
}
const INPUT_SIZE = 784;
const CLASSES = 10;

interface FakeState {
  epoch: number;
  bestTestAccuracy: number;
  wallMs: number;
  maskUpdates: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

export function fakeFinalAccuracy(options: Pick<TrainRunOptions, 'manifest'>): number {
  const m = options.manifest;
  const sparsity = m.sparsity?.target ?? 0;
  const erkBonus = m.sparsity?.distribution?.kind === 'erk' ? 0.5 : 0;
  const noise = keyedRandom('fake-trainer', m.seed, m.method.name, m.sparsity?.distribution?.kind ?? 'none', sparsity).nextNormal();
  const value = (BASE_ACCURACY[m.method.name] ?? 80) - 10 * sparsity ** 3 + erkBonus + 0.2 * noise;
  return Math.round(value * 100) / 100;
}

export async function fakeTrainRun(options: TrainRunOptions): Promise<TrainResult> {
  const { manifest, signal } = options;
  const started = Date.now();
  const emit = (key: RunEvent['key'], value: unknown, meta: Record<string, unknown> = {}) =>
    options.events({ timeMs: Date.now(), type: 'point', key, value, meta });

  const backendName = expectedBackend(manifest.backend.preference, options.backendOverride) ?? 'cpu';
  const backend = { name: backendName, version: 'fake', threads: manifest.backend.threads, determinism: 'bit-exact' as const, details: { fake: 'true' } };
  emit(EventKey.Backend, backend.name, { ...backend });
  const dataset = {
    files: manifest.dataset.files.map((f) => ({ role: f.role, path: `fake://${f.fileName}`, unpackedSha256: f.unpackedSha256, unpackedBytes: f.unpackedBytes })),
  };
  emit(EventKey.DatasetVerified, manifest.dataset.name, { files: dataset.files });

  const saved = await options.checkpoints.load();
  let state: FakeState = { epoch: 0, bestTestAccuracy: 0, wallMs: 0, maskUpdates: 0 };
  if (saved !== null && saved['state.json'] !== undefined) {
    state = JSON.parse(new TextDecoder().decode(saved['state.json'])) as FakeState;
    emit(EventKey.RunResume, options.runId, { epoch: state.epoch });
  } else {
    emit(EventKey.RunStart, options.runId, { method: manifest.method.name, seed: manifest.seed, totalSteps: STEPS_PER_EPOCH * manifest.training.epochs });
  }
  const resumed = saved !== null;
  const epochs = manifest.training.epochs;
  const final = fakeFinalAccuracy(options);
  const updatesPerEpoch = 'update' in manifest.method ? 2 : 0;
  const epochMs = Number(process.env.RIGL_HARNESS_FAKE_EPOCH_MS ?? '0');
  const crashAfter = process.env.RIGL_HARNESS_FAKE_CRASH_AFTER_EPOCH === undefined ? null : Number(process.env.RIGL_HARNESS_FAKE_CRASH_AFTER_EPOCH);
  let accuracy = 0;
  let loss = 0;

  const save = async () => {
    const current = { ...state, wallMs: state.wallMs + (Date.now() - started) };
    await options.checkpoints.save({ 'state.json': new TextEncoder().encode(JSON.stringify(current)) });
    emit(EventKey.Checkpoint, state.epoch, {});
  };

  while (state.epoch < epochs) {
    if (signal.aborted) {
      await save();
      throw new TrainingInterruptedError(state.epoch * STEPS_PER_EPOCH);
    }
    const epoch = state.epoch;
    emit(EventKey.EpochStart, epoch, {});
    await sleep(epochMs, signal);
    if (manifest.training.learningRate.initial >= 10 && epoch >= 1) throw new TrainingDivergedError((epoch + 1) * STEPS_PER_EPOCH - 1, Number.NaN);
    loss = 2.3 * Math.exp(-(epoch + 1) / 2) + 0.2;
    accuracy = Math.round((final - 5 * (1 - (epoch + 1) / epochs)) * 100) / 100;
    for (let i = 0; i < updatesPerEpoch; i++) emit(EventKey.MaskUpdate, (epoch + 1) * STEPS_PER_EPOCH - 1 - i, {});
    state = { ...state, epoch: epoch + 1, bestTestAccuracy: Math.max(state.bestTestAccuracy, accuracy), maskUpdates: state.maskUpdates + updatesPerEpoch };
    emit(EventKey.TrainLoss, loss, { epoch });
    emit(EventKey.EvalAccuracy, accuracy, { epoch });
    emit(EventKey.EpochStop, epoch, {});
    options.progress({ epoch, epochs, step: (epoch + 1) * STEPS_PER_EPOCH, totalSteps: epochs * STEPS_PER_EPOCH, loss, testAccuracy: accuracy, elapsedMs: Date.now() - started });
    if ((epoch + 1) % options.checkpointEveryEpochs === 0 && epoch + 1 < epochs) {
      await save();
      if (crashAfter !== null && epoch + 1 === crashAfter) process.kill(process.pid, 'SIGKILL');
    }
  }

  const hidden = manifest.model.name === 'mlp' ? manifest.model.hiddenSizes : [300, 100];
  const sizes = [INPUT_SIZE, ...hidden, CLASSES];
  const density = 1 - (manifest.sparsity?.target ?? 0);
  const layers: LayerSummary[] = sizes.slice(1).map((out, i) => {
    const shape = [sizes[i]!, out];
    const size = shape[0]! * shape[1]!;
    return { name: `fc${i + 1}`, shape, size, targetDensity: density, activeCount: Math.round(size * density) };
  });
  const denseForward = 2 * layers.reduce((a, l) => a + l.size, 0);
  emit(EventKey.RunStop, 'success', { testAccuracy: accuracy });
  return {
    metrics: { testAccuracy: accuracy, bestTestAccuracy: state.bestTestAccuracy, finalTrainLoss: loss, steps: epochs * STEPS_PER_EPOCH, epochs },
    layers,
    maskUpdates: state.maskUpdates,
    flops: { denseForward, inferenceMultiplier: density, trainMultiplier: updatesPerEpoch > 0 ? density * 1.05 : density },
    backend,
    dataset,
    trainerVersion: fakeTrainerVersion(),
    wallMs: state.wallMs + (Date.now() - started),
    resumed,
  };
}
