/**
 * Every manifest default, in one place, applied once (house-style.md "Config is data"): a
 * schema-valid RunManifestInput becomes the RunManifest that is hashed, stored and trained.
 *
 * | field | default |
 * | --- | --- |
 * | schemaVersion | RUN_MANIFEST_SCHEMA_VERSION (1) |
 * | dataset.* (all but name) | the catalogue's pinned spec for the name (trainers/datasets/catalog.ts `defaultDatasetSpec`); a field given in the manifest replaces the catalogue's whole field |
 * | method.update.stepConvention, gmp.stepConvention | 'after-interval' ((g + 1) % ΔT == 0, recipes.md) |
 * | method.update.rounding | 'floor' (k = floor(f · n_active), recipes.md) |
 * | method.update.replacesOptimizerStep | true (the report's convention, recipes.md) |
 * | gmp.scope / gmp.initialSparsity | 'global' / 0 (dense start, recipes.md) |
 * | sparsity.distribution.denseLayers | [] |
 * | erk powerScale | 1 (rigl-spec §4.2) |
 * | training.keepLastPartialBatch | true (PyTorch's drop_last=False: 469 steps per Fashion-MNIST epoch, recipes.md) |
 * | training.optimizer nesterov / weightDecay / weightDecayExclude | false / 0 / 'none' |
 * | training.learningRate.schedule / warmupSteps | constant / 0 |
 * | training.labelSmoothing / multiplier / evalBatchSize | 0 / 1 / 1000 |
 * | backend.preference / threads | [tfjs-node-gpu, tfjs-node, native, wasm, cpu] (design.md) / 1 |
 */
import { defaultDatasetSpec } from '../../trainers/datasets/catalog.ts';
import type {
  BackendName,
  DatasetSpec,
  Distribution,
  MaskUpdateSchedule,
  MethodSpec,
  RunManifest,
  SparsitySpec,
  TrainingSpec,
} from '../../trainers/run-manifest.ts';
import { RUN_MANIFEST_SCHEMA_VERSION } from '../../trainers/run-manifest.ts';
import { BACKEND_NAMES } from './known-names.ts';
import type {
  DatasetSpecInput,
  DistributionInput,
  MaskUpdateScheduleInput,
  MethodSpecInput,
  RunManifestInput,
  SparsitySpecInput,
  TrainingSpecInput,
} from './types.ts';

export const DEFAULTS = {
  stepConvention: 'after-interval',
  rounding: 'floor',
  replacesOptimizerStep: true,
  gmpScope: 'global',
  gmpInitialSparsity: 0,
  denseLayers: [] as string[],
  erkPowerScale: 1,
  keepLastPartialBatch: true,
  nesterov: false,
  weightDecay: 0,
  weightDecayExclude: 'none',
  learningRateSchedule: { kind: 'constant' },
  warmupSteps: 0,
  labelSmoothing: 0,
  multiplier: 1,
  evalBatchSize: 1000,
  backendPreference: [...BACKEND_NAMES] as BackendName[],
  threads: 1,
} as const;

export function resolveRunManifest(input: RunManifestInput): RunManifest {
  const manifest: RunManifest = {
    schemaVersion: input.schemaVersion ?? RUN_MANIFEST_SCHEMA_VERSION,
    seed: input.seed,
    dataset: resolveDataset(input.dataset),
    model: structuredClone(input.model),
    method: resolveMethod(input.method),
    training: resolveTraining(input.training),
    backend: {
      preference: [...(input.backend?.preference ?? DEFAULTS.backendPreference)],
      threads: input.backend?.threads ?? DEFAULTS.threads,
    },
  };
  if (input.sparsity !== undefined) manifest.sparsity = resolveSparsity(input.sparsity);
  return manifest;
}

/** The catalogue spec for the name, with each field the manifest gives replacing the catalogue's. */
export function resolveDataset(input: DatasetSpecInput): DatasetSpec {
  const catalog = defaultDatasetSpec(input.name);
  return {
    name: input.name,
    version: input.version ?? catalog.version,
    files: structuredClone(input.files ?? catalog.files),
    split: structuredClone(input.split ?? catalog.split),
    normalization: structuredClone(input.normalization ?? catalog.normalization),
    augmentation: structuredClone(input.augmentation ?? catalog.augmentation),
  };
}

function resolveUpdate(input: MaskUpdateScheduleInput): MaskUpdateSchedule {
  return {
    intervalSteps: input.intervalSteps,
    end: { ...input.end },
    dropFraction: { ...input.dropFraction },
    stepConvention: input.stepConvention ?? DEFAULTS.stepConvention,
    rounding: input.rounding ?? DEFAULTS.rounding,
    replacesOptimizerStep: input.replacesOptimizerStep ?? DEFAULTS.replacesOptimizerStep,
  };
}

/**
 * Fills a method config's defaults by the parts it has, not by its name (the registry in
 * trainers/methods/ is the only place that lists methods; the schema has already checked that each
 * method carries exactly its own parts): a mask-update schedule, pruning's schedule fields, or
 * nothing to default.
 */
export function resolveMethod(input: MethodSpecInput): MethodSpec {
  const resolved: Record<string, unknown> = structuredClone(input) as Record<string, unknown>;
  if ('update' in input && input.update !== undefined) resolved.update = resolveUpdate(input.update);
  if ('startStep' in input) {
    // Gradual magnitude pruning's own schedule (rigl-spec §3.6).
    resolved.stepConvention = input.stepConvention ?? DEFAULTS.stepConvention;
    resolved.scope = input.scope ?? DEFAULTS.gmpScope;
    resolved.initialSparsity = input.initialSparsity ?? DEFAULTS.gmpInitialSparsity;
  }
  return resolved as unknown as MethodSpec;
}

function resolveDistribution(input: DistributionInput): Distribution {
  switch (input.kind) {
    case 'uniform':
    case 'er':
      return { kind: input.kind, denseLayers: [...(input.denseLayers ?? DEFAULTS.denseLayers)] };
    case 'erk':
      return { kind: 'erk', denseLayers: [...(input.denseLayers ?? DEFAULTS.denseLayers)], powerScale: input.powerScale ?? DEFAULTS.erkPowerScale };
    case 'custom':
      return { kind: 'custom', densities: { ...input.densities } };
  }
}

function resolveSparsity(input: SparsitySpecInput): SparsitySpec {
  const out: SparsitySpec = { target: input.target };
  if (input.distribution !== undefined) out.distribution = resolveDistribution(input.distribution);
  return out;
}

function resolveTraining(input: TrainingSpecInput): TrainingSpec {
  return {
    epochs: input.epochs,
    batchSize: input.batchSize,
    keepLastPartialBatch: input.keepLastPartialBatch ?? DEFAULTS.keepLastPartialBatch,
    optimizer: {
      kind: 'sgd',
      momentum: input.optimizer.momentum,
      nesterov: input.optimizer.nesterov ?? DEFAULTS.nesterov,
      weightDecay: input.optimizer.weightDecay ?? DEFAULTS.weightDecay,
      weightDecayExclude: input.optimizer.weightDecayExclude ?? DEFAULTS.weightDecayExclude,
    },
    learningRate: {
      initial: input.learningRate.initial,
      schedule: structuredClone(input.learningRate.schedule ?? DEFAULTS.learningRateSchedule),
      warmupSteps: input.learningRate.warmupSteps ?? DEFAULTS.warmupSteps,
    },
    labelSmoothing: input.labelSmoothing ?? DEFAULTS.labelSmoothing,
    multiplier: input.multiplier ?? DEFAULTS.multiplier,
    evalBatchSize: input.evalBatchSize ?? DEFAULTS.evalBatchSize,
  };
}
