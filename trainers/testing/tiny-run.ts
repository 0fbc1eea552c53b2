/**
 * A tiny but complete training run for tests: generated Fashion-MNIST-shaped idx files (pinned by
 * sha256 like real ones), a small MLP and RigL with frequent mask updates, so determinism, resume and
 * failure paths are exercised in seconds on any backend.
 */
import type { BackendName, MethodSpec, RunManifest } from '../run-manifest.ts';
import { idxFixture, makeTempDir, writeIdxFixture } from '../datasets/test-fixtures.ts';
import type { CheckpointFiles, CheckpointIO, TrainRunOptions } from '../train-api.ts';
import type { RunEvent } from '../events.ts';

export const TINY_RIGL: MethodSpec = {
  name: 'rigl',
  update: {
    intervalSteps: 5,
    end: { kind: 'fraction', fraction: 0.75 },
    dropFraction: { kind: 'cosine', initial: 0.3 },
    stepConvention: 'after-interval',
    rounding: 'floor',
    replacesOptimizerStep: true,
  },
};

export async function tinyDataset(trainCount = 600, testCount = 200) {
  const temp = await makeTempDir('tiny-run');
  const spec = await writeIdxFixture(temp.dir, idxFixture(trainCount, testCount), { gz: true, name: 'fashion-mnist' });
  return { dataDir: temp.dir, spec, cleanup: temp.cleanup };
}

export function tinyManifest(
  dataset: RunManifest['dataset'],
  backend: BackendName,
  overrides: Partial<Pick<RunManifest, 'method' | 'seed'>> & { learningRate?: number; epochs?: number } = {},
): RunManifest {
  return {
    schemaVersion: 1,
    seed: overrides.seed ?? 0,
    dataset,
    model: { name: 'mlp', hiddenSizes: [32, 16], init: 'torch-linear-default' },
    method: overrides.method ?? TINY_RIGL,
    sparsity: { target: 0.8, distribution: { kind: 'erk', denseLayers: [], powerScale: 1 } },
    training: {
      epochs: overrides.epochs ?? 3,
      batchSize: 50,
      keepLastPartialBatch: true,
      optimizer: { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4, weightDecayExclude: 'none' },
      learningRate: { initial: overrides.learningRate ?? 0.05, schedule: { kind: 'constant' }, warmupSteps: 0 },
      labelSmoothing: 0,
      multiplier: 1,
      evalBatchSize: 100,
    },
    backend: { preference: [backend], threads: 1 },
  };
}

/** Checkpoints kept in memory, as the store would keep them. */
export class MemoryCheckpoints implements CheckpointIO {
  files: CheckpointFiles | null = null;
  saves = 0;
  async load(): Promise<CheckpointFiles | null> {
    return this.files;
  }
  async save(files: CheckpointFiles): Promise<void> {
    this.files = files;
    this.saves += 1;
  }
}

export function tinyOptions(manifest: RunManifest, dataDir: string, extra: Partial<TrainRunOptions> = {}): TrainRunOptions & { eventLog: RunEvent[] } {
  const eventLog: RunEvent[] = [];
  return {
    manifest,
    runId: 'test',
    dataDirs: [dataDir],
    allowDownload: false,
    backendOverride: null,
    events: (e) => eventLog.push(e),
    checkpoints: new MemoryCheckpoints(),
    checkpointEveryEpochs: 1,
    progress: () => undefined,
    signal: new AbortController().signal,
    ...extra,
    eventLog,
  };
}
