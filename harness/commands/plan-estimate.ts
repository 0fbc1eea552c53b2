/**
 * Cost estimates for `plan`, without tensors.
 *
 * FLOPs (the papers' accounting, rigl-spec §5): training FLOPs = 3 · f_D · examples · epochs ·
 * trainMultiplier, where f_D is the dense forward FLOPs per example of the manifest's model
 * (trainers/models `describeModel`), examples = training examples per epoch after the split, and
 * trainMultiplier the method's planned fraction of dense training (trainers/methods
 * `estimateTrainMultiplier`; for small-dense the narrower model's size ratio, as the trainer
 * reports it).
 *
 * Wall time: the estimate is the dense work of the model the method trains, per layer kind, over a
 * measured rate (masked layers run dense math on every backend but native, whose sparse kernels make
 * sparse runs faster than this estimate: an upper bound there):
 *   wall = Σ_layers (3 · examples · epochs + testExamples · epochs) · f_layer / rate(backend, kind)
 * (forward + backward for training, one forward per test example per epoch for evaluation). The
 * rates are effective single-thread throughputs measured on this project's 2-core machine
 * (research/env-measurements.md §3, counting 3 · forward FLOPs per step, batch 128):
 *   wasm  dense 18.1 GFLOP/s (MLP 784-300-100-10: 3 · 68.15 MFLOP / 11.28 ms)
 *         conv  15.2 GFLOP/s (LeNet-5: 3 · 587.0 MFLOP / 115.72 ms)
 *   native dense 125 GFLOP/s (3 · 68.15 MFLOP / 1.64 ms: the MLP step through tfjs's autograd, as
 *         evaluation, mask-update steps, SNFS and the dense layers of conv nets run; the bench of
 *         commit 5fabe23. MLP training steps now take the fused step, 1.10 ms in the current bench:
 *         the estimate is an upper bound there too), conv 66.7 GFLOP/s (3 · 587.0 MFLOP / 26.4 ms),
 *         1 thread, results/bench/2026-11-26-amd-epyc-2c.md
 *   cpu   dense 1.54 GFLOP/s (3 · 68.15 MFLOP / 132.67 ms)
 *         conv  0.062 GFLOP/s (3 · 587.0 MFLOP / 28.3 s)
 * tfjs-node and tfjs-node-gpu were not measurable here (their install downloads libtensorflow), so
 * their wall time is reported as unknown rather than guessed. Fixed per-step costs (batching, mask
 * bookkeeping, kernel dispatch) are not modelled, so very small models (small-dense at high
 * sparsity) are underestimated, and a machine whose cores are shared runs slower than this.
 * Measured against it (results/fmnist-lenet300-5-seeds, native, 2 runs at once on the 2-core
 * machine, actual / estimated wall time per method): static 0.50, SET 0.71, RigL 0.74, GMP 1.01,
 * dense 1.09, SNFS 2.8 (dense gradients and dense momentum on every step, then still through tfjs's
 * autograd; its steps now take the fused step too, about a fifth faster), and small-dense 7.5 (the
 * run's fixed costs, a few seconds, dominate).
 */
import { datasetCatalogEntry } from '../../trainers/datasets/catalog.ts';
import { batchCount } from '../../trainers/datasets/batches.ts';
import type { BackendName, ModelSpec, RunManifest } from '../../trainers/run-manifest.ts';
import type { InputShape, ModelDescription } from '../../trainers/models/types.ts';
import type { SparseMethodDefinition } from '../../trainers/methods/types.ts';
import { describeError } from '../errors.ts';
import type { ExpandedRun } from '../manifest/types.ts';
import { expectedBackend } from '../runners/backends.ts';

/** Effective FLOP/s by backend and layer kind; null where not measured. */
export const CALIBRATED_RATES: Readonly<Record<BackendName, { dense: number; conv2d: number } | null>> = Object.freeze({
  'tfjs-node-gpu': null,
  'tfjs-node': null,
  native: { dense: 125e9, conv2d: 66.7e9 },
  wasm: { dense: 18.1e9, conv2d: 15.2e9 },
  cpu: { dense: 1.54e9, conv2d: 0.062e9 },
});

export interface RunEstimate {
  backend: BackendName | null;
  totalSteps: number | null;
  /** Dense forward FLOPs per example of the manifest's model. */
  denseForwardFlops: number | null;
  trainMultiplier: number | null;
  trainFlops: number | null;
  evalFlops: number | null;
  wallSeconds: number | null;
  /** Why something is unknown; null when everything was estimated. */
  note: string | null;
}

type DescribeModel = (spec: ModelSpec, input: InputShape, numClasses: number) => ModelDescription;
type GetMethod = (id: string) => SparseMethodDefinition;

/** The pure model and method code, imported only by `plan` (these modules pull in tfjs-core). */
async function trainerParts(): Promise<{ describeModel: DescribeModel; getMethod: GetMethod }> {
  const [models, registry] = await Promise.all([import('../../trainers/models/index.ts'), import('../../trainers/methods/registry.ts')]);
  return { describeModel: models.describeModel, getMethod: registry.getMethod };
}

export async function estimateRuns(runs: readonly ExpandedRun[], backendOverride: BackendName | null): Promise<RunEstimate[]> {
  let parts: Awaited<ReturnType<typeof trainerParts>> | null = null;
  let partsError: string | null = null;
  try {
    parts = await trainerParts();
  } catch (error) {
    partsError = `model and method descriptions are unavailable (${describeError(error)})`;
  }
  return runs.map((run) => {
    const backend = expectedBackend(run.manifest.backend.preference, backendOverride);
    if (parts === null) return unknown(backend, partsError!);
    try {
      return estimateRun(run.manifest, backend, parts.describeModel, parts.getMethod);
    } catch (error) {
      return unknown(backend, describeError(error));
    }
  });
}

function unknown(backend: BackendName | null, note: string): RunEstimate {
  return { backend, totalSteps: null, denseForwardFlops: null, trainMultiplier: null, trainFlops: null, evalFlops: null, wallSeconds: null, note };
}

export function estimateRun(manifest: RunManifest, backend: BackendName | null, describeModel: DescribeModel, getMethod: GetMethod): RunEstimate {
  const entry = datasetCatalogEntry(manifest.dataset.name);
  const input: InputShape = { height: entry.height, width: entry.width, channels: entry.channels };
  const trainCount = manifest.dataset.split.kind === 'holdout-tail' ? entry.trainCount - manifest.dataset.split.validationCount : entry.trainCount;
  const { batchSize, keepLastPartialBatch, epochs } = manifest.training;
  const stepsPerEpoch = batchCount(trainCount, batchSize, keepLastPartialBatch);
  const examplesPerEpoch = keepLastPartialBatch ? trainCount : stepsPerEpoch * batchSize;
  const totalSteps = stepsPerEpoch * epochs;

  const reference = describeModel(manifest.model, input, entry.numClasses);
  const method = getMethod(manifest.method.name);
  const trained = describeModel(method.resolveModel(manifest.model, manifest.method, manifest.sparsity), input, entry.numClasses);
  const sizeRatio = trained.denseForwardFlops / reference.denseForwardFlops;
  const trainMultiplier =
    method.estimateTrainMultiplier({ method: manifest.method, sparsity: manifest.sparsity, layers: trained.weightLayers, seed: manifest.seed, totalSteps }) * sizeRatio;
  const trainFlops = 3 * reference.denseForwardFlops * examplesPerEpoch * epochs * trainMultiplier;
  const evalFlops = trained.denseForwardFlops * entry.testCount * epochs;

  const rates = backend === null ? null : CALIBRATED_RATES[backend];
  let wallSeconds: number | null = null;
  if (rates !== null) {
    wallSeconds = 0;
    for (const layer of trained.weightLayers) {
      const work = (3 * examplesPerEpoch + entry.testCount) * epochs * layer.denseForwardFlops;
      wallSeconds += work / rates[layer.kind];
    }
  }
  return {
    backend,
    totalSteps,
    denseForwardFlops: reference.denseForwardFlops,
    trainMultiplier,
    trainFlops,
    evalFlops,
    wallSeconds,
    note: rates === null ? `no wall-time calibration for backend ${backend ?? '(none installed)'}` : null,
  };
}

export function formatFlops(flops: number): string {
  const units: [number, string][] = [[1e18, 'E'], [1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, unit] of units) if (flops >= scale) return `${(flops / scale).toPrecision(3)} ${unit}`;
  return flops.toPrecision(3);
}

export function formatSeconds(seconds: number): string {
  if (seconds < 90) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 5400) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}
