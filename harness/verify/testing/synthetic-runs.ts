/**
 * Synthetic stored runs for tests of verification and reports: a complete RunSummary and a small
 * events list (one eval_accuracy and one train_loss event per epoch, as the trainer emits them),
 * built deterministically from a few numbers. Not used outside tests.
 */
import { EventKey, type RunEvent } from '../../../trainers/events.ts';
import { RUN_SUMMARY_SCHEMA_VERSION, type LayerSummary, type RunSummary } from '../../../trainers/run-summary.ts';
import type { RunRecord } from '../types.ts';

export interface SyntheticRunOptions {
  index: number;
  runId?: string;
  axes: Record<string, string | number>;
  /** Final test accuracy in percent. */
  testAccuracy: number;
  epochs?: number;
  trainMultiplier?: number;
  inferenceMultiplier?: number;
  status?: 'success' | 'aborted';
  /** Density of the masked layers (default: 1 − axes.sparsity, or 1). */
  density?: number;
}

const START_MS = Date.UTC(2025, 0, 1);

/** A run whose accuracy climbs linearly to `testAccuracy` and whose loss halves each epoch. */
export function syntheticRun(options: SyntheticRunOptions): RunRecord {
  const epochs = options.epochs ?? 3;
  const runId = options.runId ?? `run${String(options.index).padStart(13, '0')}`;
  const sparsity = typeof options.axes.sparsity === 'number' ? options.axes.sparsity : 0;
  const density = options.density ?? 1 - sparsity;
  const layers: LayerSummary[] = [
    { name: 'fc1', shape: [784, 300], size: 235_200, targetDensity: density, activeCount: Math.round(235_200 * density) },
    { name: 'fc2', shape: [300, 100], size: 30_000, targetDensity: density, activeCount: Math.round(30_000 * density) },
    { name: 'fc3', shape: [100, 10], size: 1_000, targetDensity: 1, activeCount: 1_000 },
  ];
  const events: RunEvent[] = [
    { timeMs: START_MS, type: 'interval_start', key: EventKey.RunStart, value: null, meta: {} },
  ];
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const timeMs = START_MS + epoch * 1000;
    const accuracy = options.testAccuracy - (epochs - epoch) * 2;
    events.push({ timeMs, type: 'point', key: EventKey.TrainLoss, value: 2 / 2 ** epoch, meta: { epoch } });
    events.push({ timeMs: timeMs + 1, type: 'point', key: EventKey.EvalAccuracy, value: accuracy, meta: { epoch } });
  }
  const status = options.status ?? 'success';
  events.push({ timeMs: START_MS + (epochs + 1) * 1000, type: 'interval_end', key: EventKey.RunStop, value: status, meta: {} });
  const summary: RunSummary = {
    schemaVersion: RUN_SUMMARY_SCHEMA_VERSION,
    runId,
    manifestSha256: runId.padEnd(64, '0'),
    status,
    abortReason: status === 'aborted' ? 'TrainingDivergedError: training diverged: loss is NaN at step 7' : null,
    metrics: {
      testAccuracy: options.testAccuracy,
      bestTestAccuracy: options.testAccuracy + 0.1,
      finalTrainLoss: 2 / 2 ** epochs,
      steps: epochs * 100,
      epochs,
    },
    layers,
    maskUpdates: options.axes.method === 'dense' ? 0 : 5,
    flops: {
      denseForward: 532_800,
      inferenceMultiplier: options.inferenceMultiplier ?? density,
      trainMultiplier: options.trainMultiplier ?? density,
    },
    wallMs: 1234,
    provenance: {
      toolVersion: '0.1.0',
      trainerVersion: '0.1.0+deadbeef',
      gitCommit: 'abc123',
      gitDirty: false,
      nodeVersion: 'v20.19.0',
      packages: { '@tensorflow/tfjs-core': '4.22.0' },
      backend: { name: 'cpu', version: '4.22.0', threads: 1, determinism: 'bit-exact', details: {} },
      cpuModel: 'Synthetic CPU',
      gpuModel: null,
      dataset: { files: [] },
      startedAt: new Date(START_MS).toISOString(),
      finishedAt: new Date(START_MS + 5000).toISOString(),
    },
  };
  return { index: options.index, runId, axes: options.axes, summary, events };
}
